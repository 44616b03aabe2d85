// Reading a plugin package in the browser: plugin.toml + the .wasm component, picked as two files or as one
// .tar/.tar.gz archive (the layout `plugins/build.sh` and `codex-manager plugin install` use).

export interface PluginPackage {
  manifest: string;
  component: string; // base64
}

export function toBase64(bytes: Uint8Array): string {
  let s = "";
  const CH = 0x8000;
  for (let i = 0; i < bytes.length; i += CH) s += String.fromCharCode(...bytes.subarray(i, i + CH));
  return btoa(s);
}

async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const ds = new DecompressionStream("gzip");
  const stream = new Blob([bytes]).stream().pipeThrough(ds);
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Regular files of a tar archive: name → bytes. */
export function untar(bytes: Uint8Array): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const text = (a: number, b: number) => new TextDecoder().decode(bytes.subarray(a, b)).replace(/\0.*$/s, "");
  let off = 0;
  while (off + 512 <= bytes.length) {
    const name = text(off, off + 100);
    if (!name) break;
    const size = parseInt(text(off + 124, off + 136).trim() || "0", 8);
    const type = String.fromCharCode(bytes[off + 156] || 48);
    const prefix = text(off + 345, off + 500);
    const full = prefix ? `${prefix}/${name}` : name;
    if (type === "0" || type === "\0") files.set(full, bytes.subarray(off + 512, off + 512 + size));
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

export async function fromArchive(bytes: Uint8Array): Promise<PluginPackage> {
  const raw = bytes[0] === 0x1f && bytes[1] === 0x8b ? await gunzip(bytes) : bytes;
  const files = untar(raw);
  const find = (pred: (n: string) => boolean) => [...files.entries()].find(([n]) => pred(n.split("/").pop() ?? ""));
  const manifest = find((n) => n === "plugin.toml");
  const wasm = find((n) => n.endsWith(".wasm"));
  if (!manifest || !wasm) throw new Error("the archive needs a plugin.toml and a .wasm file");
  return { manifest: new TextDecoder().decode(manifest[1]), component: toBase64(wasm[1]) };
}

export async function fromFiles(files: File[]): Promise<PluginPackage> {
  if (files.length === 1 && /\.(tar|tar\.gz|tgz)$/i.test(files[0].name)) {
    return fromArchive(new Uint8Array(await files[0].arrayBuffer()));
  }
  const manifest = files.find((f) => f.name.endsWith(".toml"));
  const wasm = files.find((f) => f.name.endsWith(".wasm"));
  if (!manifest || !wasm) throw new Error("pick plugin.toml and the .wasm file together (or one .tar.gz archive)");
  return { manifest: await manifest.text(), component: toBase64(new Uint8Array(await wasm.arrayBuffer())) };
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", bytes as BufferSource);
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Fetch an archive by URL (the server must allow this origin), checking its SHA-256 when one is given. */
export async function fromUrl(url: string, sha256?: string): Promise<PluginPackage> {
  let res: Response;
  try {
    res = await fetch(url, { credentials: "omit" });
  } catch (e) {
    throw new Error(`cannot fetch ${url} from the browser (${(e as Error).message}); download it and pick the file instead`);
  }
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (sha256) {
    const got = await sha256Hex(bytes);
    if (got !== sha256.trim().toLowerCase()) throw new Error(`SHA-256 mismatch: expected ${sha256}, got ${got}`);
  }
  return fromArchive(bytes);
}
