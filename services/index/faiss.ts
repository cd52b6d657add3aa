// The FAISS engine: our own N-API binding over Debian's libfaiss (native/faiss). It is a
// CommonJS addon, so it is loaded through createRequire; its typings live beside it.
import { createRequire } from "node:module";
import type * as Binding from "@chatlens/faiss";

const require = createRequire(import.meta.url);
const binding = require("@chatlens/faiss") as typeof Binding;

export const FaissIndex = binding.FaissIndex;
export type FaissIndex = Binding.FaissIndex;
export type { FaissIndexOptions, FaissKind, FaissSearchOptions, FaissSearchResult } from "@chatlens/faiss";
