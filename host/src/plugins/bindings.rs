//! Host bindings of the WIT world `codex-manager:plugin@0.1.0` (wit/0.1.0). Imports are async: they reach the
//! store and app-server. Exports are called with a fresh instance each time.

wasmtime::component::bindgen!({
    path: "../wit/0.1.0",
    world: "plugin",
    imports: { default: async },
    exports: { default: async },
});

pub use codex_manager::plugin::types;

