//! Types shared by the browser and the server.

mod audit;
mod list;
mod membership;

pub use audit::*;
pub use list::*;
pub use membership::*;
