//! Tests being written in this change; see tests.rs for what this module covers.
