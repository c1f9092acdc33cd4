// Oracle for the loader validation tests: loads each tokenizer.json with the real HF
// `tokenizers` (Rust, via @anush008/tokenizers) and prints one line per file: "OK" or
// "ERR <message>".
// usage: node oracle_load.js TOKENIZER_JSON...
'use strict';
const { Tokenizer } = require('@anush008/tokenizers');

for (const path of process.argv.slice(2)) {
  try {
    Tokenizer.fromFile(path);
    process.stdout.write('OK\n');
  } catch (e) {
    process.stdout.write('ERR ' + String(e && e.message ? e.message : e).split('\n')[0] + '\n');
  }
}
