//! Types shared by the browser and the server.

mod audit;
mod console;
mod ids;
mod invitation;
mod list;
mod membership;

pub use audit::*;
pub use console::*;
pub use ids::*;
pub use invitation::*;
pub use list::*;
pub use membership::*;
