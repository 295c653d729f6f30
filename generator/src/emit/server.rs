//! The `server` module of a generated crate. (Being written.)

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::Api;

/// The whole `server.rs`.
pub fn server_rs(_api: &Api) -> TokenStream {
    quote! {
        //! The server: a trait to implement and the router that serves it.
    }
}
