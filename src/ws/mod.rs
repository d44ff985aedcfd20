//! Websocket connections: one task per connection that decodes frames into typed messages,
//! hands them to the attempt service and writes the replies. No game rules here.

pub mod connection;
pub mod messages;

pub use connection::route;
pub use messages::{ClientMessage, ServerMessage};
