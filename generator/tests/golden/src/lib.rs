//! Every golden case of the type emitter, compiled as a module (see `generator/tests/golden.rs`).

pub use oagen_rt as rt;

#[path = "../cases/all_of/types.rs"]
pub mod all_of;
#[path = "../cases/enums/types.rs"]
pub mod enums;
#[path = "../cases/formats/types.rs"]
pub mod formats;
#[path = "../cases/maps/types.rs"]
pub mod maps;
#[path = "../cases/names/types.rs"]
pub mod names;
#[path = "../cases/openapi31/types.rs"]
pub mod openapi31;
#[path = "../cases/recursion/types.rs"]
pub mod recursion;
#[path = "../cases/structs/types.rs"]
pub mod structs;
#[path = "../cases/unions/types.rs"]
pub mod unions;
