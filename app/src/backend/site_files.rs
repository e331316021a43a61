//! The names of the site's stylesheet, script and WASM, which carry their content's hash
//! (`hash-files`), and the script that starts hydration: worked out once.
//!
//! leptos's `HashedStylesheet` and `HydrationScripts` find the hashes by reading
//! `hash.txt` beside the binary on every page they render, each of them (a dozen system
//! calls a page); the markup here is theirs (leptos 0.8.23), made from one reading.
//! `HydrationScripts` also reads the split build's manifest, which tells leptos_axum what
//! to preload for the code a page loads on demand (`crate::pages::Page`): read once here.

use std::sync::OnceLock;

use leptos::config::LeptosOptions;
use leptos::prelude::ArcStoredValue;
use leptos::WasmSplitManifest;

pub struct SiteFiles {
    /// `/pkg/roster.<hash>.css`
    pub css: String,
    /// `/pkg/roster.<hash>.js`
    pub js: String,
    /// `/pkg/roster.<hash>.wasm`
    pub wasm: String,
    /// What the `<script type="module">` runs: load the JS, then the WASM, then hydrate.
    pub start: String,
    /// The files of each function `cargo leptos build --split` cut out, and its loader's
    /// name. Given to leptos as context, a page the server renders with one of them gets
    /// `<link rel="preload">`s for its files, which the browser then fetches beside the
    /// first WASM instead of after it.
    pub split: Option<WasmSplitManifest>,
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
            SiteFiles { split: split_manifest(options, &hashes), ..SiteFiles::named(options, &hashes) }
        })
    }

    fn named(options: &LeptosOptions, hashes: &str) -> SiteFiles {
        let hash_of = |kind: &str| hash(hashes, kind).unwrap_or_default();
        let name = &options.output_name;
        let (js, wasm) = (format!("{name}{}", hash_of("js")), format!("{name}{}", hash_of("wasm")));
        let pkg = &options.site_pkg_dir;
        SiteFiles {
            css: format!("/{pkg}/{name}{}.css", hash_of("css")),
            start: format!("{HYDRATION_SCRIPT}({:?}, {pkg:?}, {js:?}, {wasm:?}, false);", ""),
            js: format!("/{pkg}/{js}.js"),
            wasm: format!("/{pkg}/{wasm}.wasm"),
            split: None,
        }
    }
}

/// The split build's manifest (`__wasm_split_manifest.<hash>.json` in the site's package
/// directory) and loader script; none without `--split` or when it cannot be read.
fn split_manifest(options: &LeptosOptions, hashes: &str) -> Option<WasmSplitManifest> {
    let (manifest, loader) = if options.hash_files {
        (
            format!("__wasm_split_manifest{}.json", hash(hashes, "manifest")?),
            format!("__wasm_split{}.js", hash(hashes, "split")?),
        )
    } else {
        ("__wasm_split_manifest.json".to_string(), "__wasm_split.______________________.js".to_string())
    };
    let pkg = &options.site_pkg_dir;
    let path = std::path::Path::new(options.site_root.as_ref()).join(pkg.as_ref()).join(&manifest);
    let text = std::fs::read_to_string(&path).ok()?;
    let modules = serde_json::from_str(&text)
        .map_err(|e| tracing::error!(path = %path.display(), error = %e, "the split build's manifest cannot be read"))
        .ok()?;
    Some(WasmSplitManifest(ArcStoredValue::new((format!("/{pkg}"), modules, loader))))
}

/// `.<hash>` of the files of `kind` in `hash.txt`'s lines (`js: <hash>`).
fn hash(hashes: &str, kind: &str) -> Option<String> {
    hashes
        .lines()
        .filter_map(|line| line.trim().split_once(':'))
        .find(|(file, _)| *file == kind)
        .map(|(_, hash)| format!(".{}", hash.trim()))
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

    #[test]
    fn the_split_manifest_is_read_from_the_site_when_the_build_has_one() {
        use leptos::prelude::ReadValue;
        let site = std::env::temp_dir().join(format!("roster-site-files-{}", std::process::id()));
        std::fs::create_dir_all(site.join("pkg")).unwrap();
        std::fs::write(
            site.join("pkg/__wasm_split_manifest.M1.json"),
            r#"{"page_view_7":["chunk_1.A","split_page_view_7.B"]}"#,
        )
        .unwrap();
        let options =
            LeptosOptions::builder().output_name("roster").hash_files(true).site_root(site.to_str().unwrap()).build();

        let split = split_manifest(&options, "js: J1\nmanifest: M1\nsplit: S1\n").expect("the manifest");
        let (pkg, modules, loader) = &*split.0.read_value();
        assert_eq!((pkg.as_str(), loader.as_str()), ("/pkg", "__wasm_split.S1.js"));
        assert_eq!(modules["page_view_7"], ["chunk_1.A", "split_page_view_7.B"]);
        // A build without `--split` has no manifest in hash.txt; a missing file is none too.
        assert!(split_manifest(&options, "js: J1\n").is_none());
        assert!(split_manifest(&options, "manifest: M2\nsplit: S1\n").is_none());
        std::fs::remove_dir_all(&site).unwrap();
    }
}
