//! Every golden case of the type emitter, compiled as a module (see `generator/tests/golden.rs`).

pub use oagen_rt as rt;

#[rustfmt::skip]
#[path = "../cases/all_of/types.rs"]
pub mod all_of;
#[rustfmt::skip]
#[path = "../cases/enums/types.rs"]
pub mod enums;
#[rustfmt::skip]
#[path = "../cases/formats/types.rs"]
pub mod formats;
#[rustfmt::skip]
#[path = "../cases/maps/types.rs"]
pub mod maps;
#[rustfmt::skip]
#[path = "../cases/names/types.rs"]
pub mod names;
#[rustfmt::skip]
#[path = "../cases/openapi31/types.rs"]
pub mod openapi31;
#[rustfmt::skip]
#[path = "../cases/recursion/types.rs"]
pub mod recursion;
#[rustfmt::skip]
#[path = "../cases/shapes/types.rs"]
pub mod shapes;
#[rustfmt::skip]
#[path = "../cases/structs/types.rs"]
pub mod structs;
#[rustfmt::skip]
#[path = "../cases/unions/types.rs"]
pub mod unions;
