#!/usr/bin/env bash
# Builds every plugin of this workspace (the shipped ones and the test ones in testing/) as a WebAssembly
# component for wasm32-wasip2, in release, and lays each out as dist/<id>/{plugin.wasm,plugin.toml}, the
# layout `codex-manager plugin install` takes.
#
#   plugins/build.sh [--shipped] [--quiet] [extra cargo build arguments, e.g. --locked]
#
# --shipped builds only the plugins that ship with the product (not testing/): what running the product needs.
# --quiet prints nothing but errors (cargo's own output included).
#
# A plugin is a folder with a Cargo.toml (a member of plugins/Cargo.toml) and a plugin.toml beside it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
target=wasm32-wasip2
target_dir="${CARGO_TARGET_DIR:-$here/target}"
dist="$here/dist"

if ! rustup target list --installed | grep -qx "$target"; then
    rustup target add "$target"
fi

shipped_only=false
quiet=false
cargo_args=()
for arg in "$@"; do
    case "$arg" in
        --shipped) shipped_only=true ;;
        --quiet) quiet=true; cargo_args+=(--quiet) ;;
        *) cargo_args+=("$arg") ;;
    esac
done

# The value of `key = "value"` on its own line in a TOML file (the first such line: for Cargo.toml that is
# [package]'s name, which comes first in our manifests).
toml_string() {
    sed -n -E "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*\"([^\"]*)\".*/\1/p" "$2" | head -n 1
}

ids=()
dirs=()
crates=()
status=0
while IFS= read -r manifest; do
    dir="$(dirname "$manifest")"
    rel="${dir#"$here"/}"
    if [[ ! -f "$dir/Cargo.toml" ]]; then
        echo "error: $rel: plugin.toml without a Cargo.toml beside it" >&2
        status=1
        continue
    fi
    if grep -q '^\[workspace\]' "$dir/Cargo.toml"; then
        # A plugin with a workspace of its own (one made by `codex-manager plugin new` in here): not ours.
        echo "skipped: $rel (a workspace of its own)" >&2
        continue
    fi
    id="$(toml_string id "$manifest")"
    crate="$(toml_string name "$dir/Cargo.toml")"
    if [[ ! "$id" =~ ^[a-z0-9-]{1,64}$ ]]; then
        echo "error: $rel/plugin.toml: id \"$id\" is not [a-z0-9-]{1,64}" >&2
        status=1
        continue
    fi
    for seen in "${ids[@]+"${ids[@]}"}"; do
        if [[ "$seen" == "$id" ]]; then
            echo "error: $rel/plugin.toml: id \"$id\" is used twice" >&2
            status=1
            continue 2
        fi
    done
    ids+=("$id")
    if $shipped_only && [[ "$rel" == testing/* ]]; then
        continue
    fi
    dirs+=("$dir")
    crates+=("$crate")
done < <(find "$here" -mindepth 2 -maxdepth 3 -name plugin.toml \
    -not -path "$here/target/*" -not -path "$dist/*" -not -path "$here/template/*" | sort)

if [[ ${#ids[@]} -eq 0 ]]; then
    echo "error: no plugin found under $here" >&2
    exit 1
fi
[[ $status -eq 0 ]] || exit "$status"

packages=()
for crate in "${crates[@]}"; do packages+=(-p "$crate"); done
cargo build --manifest-path "$here/Cargo.toml" --target "$target" --release "${packages[@]}" "${cargo_args[@]+"${cargo_args[@]}"}"

# A full build lays out dist/ anew; a --shipped one replaces only its own packages (test plugins a test run left
# there stay: the host never installs those).
$shipped_only || rm -rf "$dist"
mkdir -p "$dist"
for i in "${!dirs[@]}"; do
    dir="${dirs[$i]}"
    crate="${crates[$i]}"
    rel="${dir#"$here"/}"
    manifest="$dir/plugin.toml"
    id="$(toml_string id "$manifest")"
    wasm="$target_dir/$target/release/${crate//-/_}.wasm"
    if [[ ! -f "$wasm" ]]; then
        echo "error: $rel: no $wasm (is \"$rel\" a member of plugins/Cargo.toml, with crate-type cdylib?)" >&2
        status=1
        continue
    fi
    # A component starts with \0asm and the version bytes 0d 00 01 00; a core module has 01 00 00 00.
    magic="$(head -c 8 "$wasm" | od -An -tx1 | tr -d ' \n')"
    if [[ "$magic" != "0061736d0d000100" ]]; then
        echo "error: $wasm is not a component (header $magic)" >&2
        status=1
        continue
    fi
    rm -rf "$dist/$id"
    mkdir -p "$dist/$id"
    cp "$wasm" "$dist/$id/plugin.wasm"
    cp "$manifest" "$dist/$id/plugin.toml"
    $quiet || printf '%-22s %8d bytes  %s\n' "$id" "$(wc -c < "$dist/$id/plugin.wasm")" "dist/$id/"
done
exit "$status"
