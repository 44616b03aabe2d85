// A plugin's settings as a form: the manifest's defaults (`[settings]`) are the only schema a plugin declares, so
// each setting is edited in its default's shape: a switch for a boolean, a line for a string or a number, one field
// per key for a flat object (the notifier's `ntfy = { url = "" }`), and JSON in a text area, checked as you type,
// for an array or a nested object.

export type SettingShape = "boolean" | "string" | "number" | "fields" | "json";

type Scalar = string | number | boolean | null;

function isScalar(v: unknown): v is Scalar {
  return v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean";
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function shapeOf(def: unknown): SettingShape {
  if (typeof def === "boolean") return "boolean";
  if (typeof def === "string") return "string";
  if (typeof def === "number") return "number";
  if (isPlainObject(def) && Object.keys(def).length > 0 && Object.values(def).every(isScalar)) return "fields";
  return "json";
}

/** A setting's value as the form holds it: a string as it is, anything else as JSON (objects laid out on lines). */
export function toText(v: unknown): string {
  if (typeof v === "string") return v;
  return isPlainObject(v) || Array.isArray(v) ? JSON.stringify(v, null, 2) : JSON.stringify(v);
}

/** One line, for a button ("Reset to {…}"). */
export function compactText(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** What is wrong with the typed text for a setting of this default, in words; null when it is fine. */
export function settingProblem(text: string, def: unknown): string | null {
  const shape = shapeOf(def);
  if (shape === "string" || shape === "boolean") return null;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return shape === "number" ? "must be a number" : `not valid JSON: ${(e as Error).message}`;
  }
  if (shape === "number") return typeof v === "number" ? null : "must be a number";
  if (Array.isArray(def)) return Array.isArray(v) ? null : "must be a JSON array ([…])";
  if (isPlainObject(def)) return isPlainObject(v) ? null : `must be a JSON object like ${JSON.stringify(def)}`;
  return null;
}

/** The typed text read back in its default's type (a string stays a string; other types are JSON). */
export function fromText(text: string, def: unknown): unknown {
  if (typeof def === "string") return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The fields of a flat-object setting: the default's keys first, then any other key the value has. */
export function fieldsOf(def: unknown, text: string): { key: string; value: Scalar; like: Scalar }[] {
  const defaults = isPlainObject(def) ? (def as Record<string, Scalar>) : {};
  let value: Record<string, unknown> = {};
  try {
    const v = JSON.parse(text);
    if (isPlainObject(v)) value = v;
  } catch {
    // The fields then show the defaults' shape, empty.
  }
  const keys = [...Object.keys(defaults), ...Object.keys(value).filter((k) => !(k in defaults))];
  return keys.map((key) => {
    const like = key in defaults ? defaults[key] : isScalar(value[key]) ? (value[key] as Scalar) : "";
    const v = value[key];
    return { key, like, value: isScalar(v) ? v : v === undefined ? (typeof like === "boolean" ? false : typeof like === "number" ? 0 : "") : JSON.stringify(v) };
  });
}

/** The setting's text with one field of its object changed (the field typed as its default's field). */
export function withField(text: string, key: string, typed: string | boolean, like: Scalar): string {
  let value: Record<string, unknown> = {};
  try {
    const v = JSON.parse(text);
    if (isPlainObject(v)) value = v;
  } catch {
    // Start from an empty object.
  }
  let next: unknown = typed;
  if (typeof like === "number" && typeof typed === "string") {
    const n = Number(typed);
    next = typed.trim() !== "" && Number.isFinite(n) ? n : typed;
  }
  return toText({ ...value, [key]: next });
}
