//! One file per page; the route table is in `crate::App`.

pub mod access_requests;
pub mod api_tokens;
pub mod approval;
pub mod approvals;
pub mod audit;
pub mod case;
pub mod cases;
pub mod console;
pub mod copy_access;
pub mod deployment;
pub mod deployments;
pub mod forgot_password;
pub mod help;
pub mod home;
pub mod invitation;
pub mod invitations;
pub mod manage_users;
pub mod not_found;
pub mod notifications;
pub mod raise_case;
pub mod register;
pub mod reset_password;
pub mod sent_mail;
pub mod settings;
pub mod sign_in;
pub mod verify_email;
