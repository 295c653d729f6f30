//! The `client` module of a generated crate. (Being written.)

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::Api;

/// The whole `client.rs`.
pub fn client_rs(_api: &Api) -> TokenStream {
    quote! {
        //! The HTTP client.

        /// A client for the API.
        #[derive(Clone, Debug)]
        pub struct Client {
            core: crate::rt::client::ClientCore,
        }

        impl Client {
            /// A client for the API at `base_url`.
            pub fn new(base_url: impl Into<String>) -> Self {
                Client { core: crate::rt::client::ClientCore::new(base_url) }
            }
        }
    }
}
