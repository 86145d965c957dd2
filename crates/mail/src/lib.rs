//! Mail for Midad.
