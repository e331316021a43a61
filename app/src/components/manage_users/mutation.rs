//! How a Manage Users dialog runs a change on the server: the one way every dialog uses.
//! While the call runs the dialog is `busy` (its buttons disabled); a refusal shows in
//! the dialog's `error`; a success is announced in a toast and reloads the list.

use std::future::Future;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::state::{use_ui, ManageUsersUi};
use crate::components::toast::{use_toasts, Toasts};
use crate::error::AppError;

/// What the dialog does after the server said yes, with the toast to show.
pub enum Done {
    Close(String),
    StayOpen(String),
}

/// A dialog's change: its busy flag and its error message.
#[derive(Clone, Copy)]
pub struct Mutation {
    pub busy: RwSignal<bool>,
    pub error: RwSignal<Option<String>>,
    ui: ManageUsersUi,
    toasts: Toasts,
}

impl Mutation {
    pub fn new() -> Self {
        Mutation { busy: RwSignal::new(false), error: RwSignal::new(None), ui: use_ui(), toasts: use_toasts() }
    }

    /// Runs `call`; `done` turns its answer into what happens next.
    pub fn run<T: 'static>(
        self,
        call: impl Future<Output = Result<T, AppError>> + 'static,
        done: impl FnOnce(T) -> Done + 'static,
    ) {
        self.run_or(call, done, |_| {});
    }

    /// `run`, with `failed` told of a refusal too (after it is shown in the dialog).
    pub fn run_or<T: 'static>(
        self,
        call: impl Future<Output = Result<T, AppError>> + 'static,
        done: impl FnOnce(T) -> Done + 'static,
        failed: impl FnOnce(&AppError) + 'static,
    ) {
        if self.busy.get_untracked() {
            return;
        }
        self.busy.set(true);
        self.error.set(None);
        spawn_local(async move {
            match call.await {
                Ok(answer) => {
                    let (message, close) = match done(answer) {
                        Done::Close(message) => (message, true),
                        Done::StayOpen(message) => (message, false),
                    };
                    self.toasts.ok(message);
                    self.ui.refresh.run(());
                    if close {
                        // The dialog, its flag and the views reading it go; touching the
                        // flag now would wake a view already queued to run after them.
                        self.ui.close();
                        return;
                    }
                }
                Err(e) => {
                    self.error.set(Some(e.to_string()));
                    failed(&e);
                }
            }
            self.busy.set(false);
        });
    }
}

impl Default for Mutation {
    fn default() -> Self {
        Self::new()
    }
}
