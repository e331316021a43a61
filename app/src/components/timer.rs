//! A widget's pending timeout (a burst of keystrokes gathered, a look-up after a pause).

use std::time::Duration;

use leptos::prelude::*;

/// The one timeout a widget has pending: starting another clears it, and so does the
/// widget going away (and a widget already gone starts none). A timeout that ran after
/// its widget was gone read the widget's disposed signals, which panics (the Search Text
/// box did, when a search rebuilt the page around it, and the browser's WASM then
/// stopped).
#[derive(Clone, Copy)]
pub struct Timer(StoredValue<Option<TimeoutHandle>>);

impl Timer {
    /// A timer owned by the widget being built.
    pub fn new() -> Timer {
        let pending = StoredValue::new(None::<TimeoutHandle>);
        // Cleanups run before the owner's values are dropped: `pending` is still there.
        on_cleanup(move || {
            if let Some(Some(h)) = pending.try_get_value() {
                h.clear();
            }
        });
        Timer(pending)
    }

    /// Runs `f` after `delay`, in place of what was pending.
    pub fn start(self, delay: Duration, f: impl FnOnce() + 'static) {
        self.clear();
        if self.0.is_disposed() {
            return;
        }
        let pending = self.0;
        let handle = set_timeout_with_handle(
            move || {
                pending.set_value(None);
                f();
            },
            delay,
        );
        self.0.set_value(handle.ok());
    }

    /// Whether something is pending.
    pub fn is_pending(self) -> bool {
        self.0.try_with_value(Option::is_some).unwrap_or(false)
    }

    /// Clears what is pending, if anything.
    pub fn clear(self) {
        if let Some(Some(h)) = self.0.try_get_value() {
            h.clear();
            self.0.set_value(None);
        }
    }
}

impl Default for Timer {
    fn default() -> Timer {
        Timer::new()
    }
}
