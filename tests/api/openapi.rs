//! The OpenAPI document against the routes the server serves (being written).
