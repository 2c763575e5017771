#!/usr/bin/env node
// Assembles wasm/frame.wat into src/_frame-wasm.ts (the module as base64, so the package ships
// no binary file and needs no loader).
//
//   node scripts/build-wasm.mjs           write src/_frame-wasm.ts
//   node scripts/build-wasm.mjs --check   exit 1 if src/_frame-wasm.ts is not what frame.wat gives
//
// This is a small assembler for the part of the WebAssembly text format frame.wat uses: one
// memory, mutable i32 globals, functions with named params and locals, flat (not folded)
// instructions, labelled block/loop/if. Anything else is an error, not a guess.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const watPath = join(root, "wasm/frame.wat");
const outPath = join(root, "src/_frame-wasm.ts");

// ---- s-expressions -------------------------------------------------------------------------

function tokenize(text) {
  const tokens = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ";" && text[i + 1] === ";") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (c === "(" || c === ")") {
      tokens.push(c);
      i++;
    } else if (/\s/.test(c)) {
      i++;
    } else if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j++;
      tokens.push(text.slice(i, j + 1));
      i = j + 1;
    } else {
      let j = i;
      while (j < text.length && !/[\s()]/.test(text[j])) j++;
      tokens.push(text.slice(i, j));
      i = j;
    }
  }
  return tokens;
}

function parse(tokens) {
  let i = 0;
  const read = () => {
    const t = tokens[i++];
    if (t === "(") {
      const list = [];
      while (tokens[i] !== ")") {
        if (i >= tokens.length) throw new Error("wat: unclosed (");
        list.push(read());
      }
      i++;
      return list;
    }
    if (t === ")") throw new Error("wat: unexpected )");
    return t;
  };
  const tree = read();
  if (i !== tokens.length) throw new Error("wat: text after the module");
  return tree;
}

// ---- encoding ------------------------------------------------------------------------------

function uleb(n) {
  const out = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n) {
  const out = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const name = (s) => [...uleb(Buffer.byteLength(s)), ...Buffer.from(s)];
const vec = (items) => [...uleb(items.length), ...items.flat()];
const section = (id, bytes) => [id, ...uleb(bytes.length), ...bytes];
const VALTYPE = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b };

// Plain opcodes (no immediates) and those with one index immediate.
const SIMPLE = {
  "i32.add": [0x6a],
  "i32.sub": [0x6b],
  "i32.mul": [0x6c],
  "i32.and": [0x71],
  "i32.or": [0x72],
  "i32.shl": [0x74],
  "i32.shr_u": [0x76],
  "i32.ctz": [0x68],
  "i32.eqz": [0x45],
  "i32.eq": [0x46],
  "i32.ne": [0x47],
  "i32.lt_u": [0x49],
  "i32.gt_u": [0x4b],
  "i32.le_u": [0x4d],
  "i32.ge_u": [0x4f],
  else: [0x05],
  return: [0x0f],
  "i8x16.splat": [0xfd, ...uleb(15)],
  "i8x16.eq": [0xfd, ...uleb(35)],
  "i8x16.bitmask": [0xfd, ...uleb(100)],
};
const MEMORY = { "v128.load": [0xfd, ...uleb(0)], "v128.store": [0xfd, ...uleb(11)] };
const LOCAL = { "local.get": 0x20, "local.set": 0x21, "local.tee": 0x22 };
const GLOBAL = { "global.get": 0x23, "global.set": 0x24 };

function assemble(tree) {
  if (!Array.isArray(tree) || tree[0] !== "module") throw new Error("wat: expected (module ...)");
  const globals = new Map();
  const globalInits = [];
  const exports = [];
  const types = [];
  const funcs = [];
  let memoryPages;
  for (const field of tree.slice(1)) {
    const [kind, ...rest] = field;
    if (kind === "memory") {
      const exp = rest.find((x) => Array.isArray(x) && x[0] === "export");
      if (exp) exports.push([JSON.parse(exp[1]), 0x02, 0]);
      memoryPages = Number(rest.find((x) => !Array.isArray(x)));
    } else if (kind === "global") {
      const [id, ...more] = rest;
      const index = globals.size;
      globals.set(id, index);
      const exp = more.find((x) => Array.isArray(x) && x[0] === "export");
      if (exp) exports.push([JSON.parse(exp[1]), 0x03, index]);
      const type = more.find((x) => Array.isArray(x) && x[0] === "mut");
      const init = more.find((x) => Array.isArray(x) && x[0] === "i32.const");
      if (type?.[1] !== "i32" || !init) throw new Error(`wat: global ${id}: only (mut i32)`);
      globalInits.push([VALTYPE.i32, 0x01, 0x41, ...sleb(Number(init[1])), 0x0b]);
    } else if (kind === "func") {
      funcs.push(rest);
    } else {
      throw new Error(`wat: unsupported module field ${kind}`);
    }
  }

  const bodies = funcs.map((parts, funcIndex) => {
    const locals = new Map();
    const params = [];
    const results = [];
    const declared = [];
    const instrs = [];
    for (const part of parts) {
      if (Array.isArray(part)) {
        const [kind, ...rest] = part;
        if (kind === "export") exports.push([JSON.parse(rest[0]), 0x00, funcIndex]);
        else if (kind === "param" || kind === "local") {
          const [id, type] = rest;
          if (!(type in VALTYPE)) throw new Error(`wat: type ${type}`);
          locals.set(id, locals.size);
          (kind === "param" ? params : declared).push(VALTYPE[type]);
        } else if (kind === "result") results.push(VALTYPE[rest[0]]);
        else throw new Error(`wat: folded instructions are not supported: (${kind} ...)`);
      } else {
        instrs.push(part);
      }
    }
    types.push([0x60, ...vec(params.map((p) => [p])), ...vec(results.map((r) => [r]))]);

    const code = [];
    const labels = []; // innermost last
    const localIndex = (id) => {
      if (!locals.has(id)) throw new Error(`wat: unknown local ${id}`);
      return locals.get(id);
    };
    const depthOf = (id) => {
      const at = labels.lastIndexOf(id);
      if (at === -1) throw new Error(`wat: unknown label ${id}`);
      return labels.length - 1 - at;
    };
    for (let i = 0; i < instrs.length; i++) {
      const op = instrs[i];
      const next = () => instrs[++i];
      if (op in SIMPLE) code.push(...SIMPLE[op]);
      else if (op in LOCAL) code.push(LOCAL[op], ...uleb(localIndex(next())));
      else if (op in GLOBAL) {
        const id = next();
        if (!globals.has(id)) throw new Error(`wat: unknown global ${id}`);
        code.push(GLOBAL[op], ...uleb(globals.get(id)));
      } else if (op === "i32.const") code.push(0x41, ...sleb(Number(next())));
      else if (op in MEMORY) {
        let offset = 0;
        let align = 4;
        while (/^(offset|align)=/.test(instrs[i + 1] ?? "")) {
          const [key, value] = next().split("=");
          if (key === "offset") offset = Number(value);
          else align = Math.log2(Number(value) || 1);
        }
        code.push(...MEMORY[op], ...uleb(align), ...uleb(offset));
      } else if (op === "block" || op === "loop" || op === "if") {
        const label = instrs[i + 1]?.startsWith("$") ? next() : undefined;
        labels.push(label);
        code.push({ block: 0x02, loop: 0x03, if: 0x04 }[op], 0x40);
      } else if (op === "end") {
        if (labels.length === 0) throw new Error("wat: end without block");
        labels.pop();
        code.push(0x0b);
      } else if (op === "br" || op === "br_if") {
        code.push(op === "br" ? 0x0c : 0x0d, ...uleb(depthOf(next())));
      } else {
        throw new Error(`wat: unsupported instruction ${op}`);
      }
    }
    if (labels.length !== 0) throw new Error("wat: unclosed block");
    code.push(0x0b);
    const localGroups = declared.map((t) => [...uleb(1), t]);
    const body = [...vec(localGroups), ...code];
    return [...uleb(body.length), ...body];
  });

  if (memoryPages === undefined) throw new Error("wat: no memory");
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec(types)),
    ...section(3, vec(funcs.map((_, i) => uleb(i)))),
    ...section(5, vec([[0x00, ...uleb(memoryPages)]])),
    ...section(6, vec(globalInits)),
    ...section(7, vec(exports.map(([n, kind, index]) => [...name(n), kind, ...uleb(index)]))),
    ...section(10, vec(bodies)),
  ]);
}

const bytes = assemble(parse(tokenize(readFileSync(watPath, "utf8"))));
if (!WebAssembly.validate(bytes)) throw new Error("build-wasm: the module does not validate");
const base64 = Buffer.from(bytes).toString("base64");
const lines = base64.match(/.{1,96}/g) ?? [];
const source = `// Generated by scripts/build-wasm.mjs from wasm/frame.wat; do not edit.
/** The frame kernel (see wasm/frame.wat), a WebAssembly module with SIMD, as base64. */
export const FRAME_WASM_BASE64: string =
${lines.map((l, i) => `  "${l}"${i === lines.length - 1 ? ";" : " +"}`).join("\n")}
`;

if (process.argv.includes("--check")) {
  if (readFileSync(outPath, "utf8") !== source) {
    console.error("build-wasm: src/_frame-wasm.ts is stale; run node scripts/build-wasm.mjs");
    process.exit(1);
  }
} else {
  writeFileSync(outPath, source);
  console.log(`build-wasm: ${bytes.length} bytes -> src/_frame-wasm.ts`);
}
