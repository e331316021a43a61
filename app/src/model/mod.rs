//! Types shared by the browser and the server.

mod access_request;
mod api_token;
mod audit;
mod case;
mod console;
mod ids;
mod import;
mod invitation;
mod list;
mod membership;
mod partner;
mod table;

pub use access_request::*;
pub use api_token::*;
pub use audit::*;
pub use case::*;
pub use console::*;
pub use ids::*;
pub use import::*;
pub use invitation::*;
pub use list::*;
pub use membership::*;
pub use partner::*;
pub use table::*;
