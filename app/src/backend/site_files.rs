//! The names of the site's stylesheet, script and WASM, which carry their content's hash
//! (`hash-files`), and the script that starts hydration: worked out once.
//!
//! leptos's `HashedStylesheet` and `HydrationScripts` find the hashes by reading
//! `hash.txt` beside the binary on every page they render, each of them (a dozen system
//! calls a page); the markup here is theirs (leptos 0.8.23), made from one reading.

use std::sync::OnceLock;

use leptos::config::LeptosOptions;

pub struct SiteFiles {
    /// `/pkg/roster.<hash>.css`
    pub css: String,
    /// `/pkg/roster.<hash>.js`
    pub js: String,
    /// `/pkg/roster.<hash>.wasm`
    pub wasm: String,
    /// What the `<script type="module">` runs: load the JS, then the WASM, then hydrate.
    pub start: String,
}

/// leptos's hydration script (`leptos/src/hydration/hydration_script.js`), which it
/// calls with the site root, the package directory, the JS and WASM names and `defer`.
const HYDRATION_SCRIPT: &str = r#"(function (root, pkg_path, output_name, wasm_output_name, defer) {
	const hydrate = () =>
		import(`${root}/${pkg_path}/${output_name}.js`)
			.then(mod => {
				mod.default({module_or_path: `${root}/${pkg_path}/${wasm_output_name}.wasm`}).then(() => {
					mod.hydrate();
				});
			});
	if (defer && "requestIdleCallback" in window) {
		// `timeout` is a backstop: a never-idle page would otherwise stay dead
		window.requestIdleCallback(hydrate, { timeout: 2000 });
	} else {
		hydrate();
	}
})
"#;

impl SiteFiles {
    /// The files of this build (the first call's `options`: one build serves one site).
    pub fn of(options: &LeptosOptions) -> &'static SiteFiles {
        static FILES: OnceLock<SiteFiles> = OnceLock::new();
        FILES.get_or_init(|| {
            let hashes = if options.hash_files { read_hashes(options) } else { String::new() };
            SiteFiles::named(options, &hashes)
        })
    }

    fn named(options: &LeptosOptions, hashes: &str) -> SiteFiles {
        let hash_of = |kind: &str| {
            hashes
                .lines()
                .filter_map(|line| line.trim().split_once(':'))
                .find(|(file, _)| *file == kind)
                .map(|(_, hash)| format!(".{}", hash.trim()))
                .unwrap_or_default()
        };
        let name = &options.output_name;
        let (js, wasm) = (format!("{name}{}", hash_of("js")), format!("{name}{}", hash_of("wasm")));
        let pkg = &options.site_pkg_dir;
        SiteFiles {
            css: format!("/{pkg}/{name}{}.css", hash_of("css")),
            start: format!("{HYDRATION_SCRIPT}({:?}, {pkg:?}, {js:?}, {wasm:?}, false);", ""),
            js: format!("/{pkg}/{js}.js"),
            wasm: format!("/{pkg}/{wasm}.wasm"),
        }
    }
}

/// `hash.txt` (`options.hash_file`) beside the server binary, as cargo-leptos writes it.
fn read_hashes(options: &LeptosOptions) -> String {
    let path = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(options.hash_file.as_ref())))
        .unwrap_or_else(|| options.hash_file.as_ref().into());
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        tracing::error!(path = %path.display(), error = %e, "file hashing is on but the hash file cannot be read");
        String::new()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_hashes_of_their_kind() {
        let options = LeptosOptions::builder().output_name("roster").hash_files(true).build();
        let files = SiteFiles::named(&options, "js: J1\nwasm: W2\ncss: C3\n");
        assert_eq!(files.css, "/pkg/roster.C3.css");
        assert_eq!(files.js, "/pkg/roster.J1.js");
        assert_eq!(files.wasm, "/pkg/roster.W2.wasm");
        assert!(files.start.ends_with(
            r#"})
("", "pkg", "roster.J1", "roster.W2", false);"#
        ));
    }

    #[test]
    fn without_hashes_the_names_are_plain() {
        let options = LeptosOptions::builder().output_name("roster").build();
        let files = SiteFiles::named(&options, "");
        assert_eq!((files.css.as_str(), files.js.as_str()), ("/pkg/roster.css", "/pkg/roster.js"));
    }
}
