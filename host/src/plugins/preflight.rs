//! What a component imports, read from its binary without compiling it: a package the host can never link is
//! refused in milliseconds, with the fix, instead of after minutes of compiling (an 18 MB interpreter) and an
//! opaque linker message.

use wasmparser::{Parser, Payload};

use super::PluginError;

/// Interfaces a plugin must not import, and what to do instead.
const REFUSED: &[(&str, &str)] = &[(
    "wasi:http/",
    "plugins reach the network through codex-manager:plugin/http (capability `http`); with componentize-js build with `-d http -d fetch-event`",
)];

/// Refuse a component whose own (top-level) imports include an interface the host does not provide. Nested
/// components' imports are satisfied inside the package, so only the outermost level counts. Bytes that do not
/// parse are left to the compiler, which says why.
pub fn check_imports(wasm: &[u8]) -> Result<(), PluginError> {
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(wasm) {
        let Ok(payload) = payload else { return Ok(()) };
        match payload {
            Payload::Version { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::ComponentImportSection(imports) if depth == 1 => {
                for import in imports {
                    let Ok(import) = import else { return Ok(()) };
                    let name = import.name.name;
                    if let Some((_, fix)) = REFUSED.iter().find(|(prefix, _)| name.starts_with(prefix)) {
                        return Err(PluginError::Incompatible(format!(
                            "the component imports `{name}`, which this host does not provide: {fix}"
                        )));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A component that imports one empty instance per name, and, optionally, wraps a nested component importing
    /// `nested` (which its parent would satisfy: not the host's business).
    pub(crate) fn component_importing(names: &[&str], nested: Option<&str>) -> Vec<u8> {
        fn leb(mut n: usize, out: &mut Vec<u8>) {
            loop {
                let byte = (n & 0x7f) as u8;
                n >>= 7;
                out.push(if n == 0 { byte } else { byte | 0x80 });
                if n == 0 {
                    break;
                }
            }
        }
        fn section(id: u8, body: Vec<u8>, out: &mut Vec<u8>) {
            out.push(id);
            leb(body.len(), out);
            out.extend(body);
        }
        fn component(names: &[&str], nested: Option<Vec<u8>>) -> Vec<u8> {
            let mut out = b"\0asm\x0d\x00\x01\x00".to_vec();
            if let Some(inner) = nested {
                section(4, inner, &mut out); // component section: a nested component
            }
            if !names.is_empty() {
                section(7, vec![1, 0x42, 0], &mut out); // type 0: an instance type with no exports
                let mut body = Vec::new();
                leb(names.len(), &mut body);
                for name in names {
                    body.push(0); // a plain import name
                    leb(name.len(), &mut body);
                    body.extend(name.as_bytes());
                    body.extend([0x05, 0]); // an instance of type 0
                }
                section(10, body, &mut out);
            }
            out
        }
        component(names, nested.map(|n| component(&[n], None)))
    }

    #[test]
    fn a_wasi_http_import_is_refused_with_the_fix() {
        let wasm = component_importing(&["wasi:io/streams@0.2.3", "wasi:http/outgoing-handler@0.2.3"], None);
        let err = check_imports(&wasm).unwrap_err();
        assert!(matches!(err, PluginError::Incompatible(_)), "{err:?}");
        let text = err.to_string();
        assert!(text.contains("`wasi:http/outgoing-handler@0.2.3`"), "{text}");
        assert!(text.contains("codex-manager:plugin/http (capability `http`)") && text.contains("-d http -d fetch-event"), "{text}");
    }

    #[test]
    fn other_imports_and_a_nested_components_own_imports_pass() {
        assert!(check_imports(&component_importing(&["wasi:cli/stderr@0.2.3", "codex-manager:plugin/kv@0.1.0"], None)).is_ok());
        assert!(check_imports(&component_importing(&["wasi:cli/stderr@0.2.3"], Some("wasi:http/types@0.2.3"))).is_ok());
        assert!(check_imports(b"not wasm at all").is_ok(), "left to the compiler, which says why");
    }

    #[test]
    fn the_hand_made_component_is_one_wasmtime_accepts() {
        // Guards the helper above: a malformed binary would pass the check for the wrong reason.
        let engine = wasmtime::Engine::default();
        wasmtime::component::Component::new(&engine, component_importing(&["wasi:http/types@0.2.3"], Some("wasi:http/types@0.2.3")))
            .expect("a valid component");
    }
}
