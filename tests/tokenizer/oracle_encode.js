// Oracle for the conformance tests: encodes each {"text": ...} line of a JSONL file with the
// real HF `tokenizers` (Rust, via @anush008/tokenizers) and prints one JSON line per input:
// {"ids": [...], "decoded": "...", "decoded_skip": "..."}; with --offsets also "offsets":
// [[start, end], ...] per token, in characters (code points) of the text.
// usage: node oracle_encode.js TOKENIZER_JSON CORPUS_JSONL [SPECIAL_TOKENS_JSON_ARRAY]
//        [--no-special] [--offsets]
'use strict';
const fs = require('fs');
const { Tokenizer } = require('@anush008/tokenizers');

async function main() {
  const args = process.argv.slice(2);
  const flags = new Set(args.filter((a) => a.startsWith('--')));
  const [tokenizerPath, corpusPath, specialJson] = args.filter((a) => !a.startsWith('--'));
  const tok = Tokenizer.fromFile(tokenizerPath);
  if (specialJson && specialJson !== '[]') tok.addSpecialTokens(JSON.parse(specialJson));
  const addSpecialTokens = !flags.has('--no-special');
  const lines = fs.readFileSync(corpusPath, 'utf8').split('\n').filter((l) => l.length > 0);
  const out = [];
  for (const line of lines) {
    const text = JSON.parse(line).text;
    const enc = await tok.encode(text, null, { addSpecialTokens });
    const ids = enc.getIds();
    const result = {
      ids,
      decoded: await tok.decode(ids, false),
      decoded_skip: await tok.decode(ids, true),
    };
    if (flags.has('--offsets')) result.offsets = enc.getOffsets();
    out.push(JSON.stringify(result));
  }
  process.stdout.write(out.join('\n') + '\n');
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack ? e.stack : e) + '\n');
  process.exit(1);
});
