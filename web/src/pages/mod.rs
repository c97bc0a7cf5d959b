//! The screens: the home list, the form, its review page.

pub mod form;
pub mod home;
pub mod review;
