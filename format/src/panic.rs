//! Panics of dependencies as errors.

use std::cell::Cell;
use std::sync::Once;

thread_local!(static QUIET: Cell<bool> = const { Cell::new(false) });
static HOOK: Once = Once::new();

/// Run `f`, turning a panic inside it into its message, without printing
/// it. noodles' BCF codec panics (an unfinished branch) on some valid values it does
/// not handle yet; a conversion or export must fail with a message instead.
pub fn catch_quietly<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
    let was = QUIET.with(|q| q.replace(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    QUIET.with(|q| q.set(was));
    result.map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown failure".into())
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_panic_becomes_its_message() {
        assert_eq!(super::catch_quietly(|| 5), Ok(5));
        let e = super::catch_quietly(|| -> u8 { panic!("not yet implemented: x") });
        assert_eq!(e, Err("not yet implemented: x".to_string()));
    }
}
