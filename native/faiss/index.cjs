"use strict";
module.exports = require("./build/Release/faiss_binding.node");
