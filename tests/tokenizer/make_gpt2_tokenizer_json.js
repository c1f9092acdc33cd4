// Writes GPT-2's tokenizer.json from its vocab.json and merges.txt: the pipeline transformers'
// GPT2TokenizerFast converts them to (byte-level pre-tokenizer, BPE, byte-level decoder and
// post-processor, <|endoftext|> as a special added token). The HF library parses the document
// and saves it itself, so the oracle runs on a file of its own making.
// usage: node make_gpt2_tokenizer_json.js VOCAB_JSON MERGES_TXT OUT_JSON
'use strict';
const fs = require('fs');
const { Tokenizer } = require('@anush008/tokenizers');

const [vocabPath, mergesPath, outPath] = process.argv.slice(2);
const vocab = JSON.parse(fs.readFileSync(vocabPath, 'utf8'));
const merges = fs.readFileSync(mergesPath, 'utf8').split('\n')
  .filter((line, i) => line.length > 0 && !(i === 0 && line.startsWith('#version')));
const byteLevel = (addPrefixSpace, trimOffsets) =>
  ({ type: 'ByteLevel', add_prefix_space: addPrefixSpace, trim_offsets: trimOffsets, use_regex: true });
const doc = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: [{ id: vocab['<|endoftext|>'], content: '<|endoftext|>', single_word: false,
    lstrip: false, rstrip: false, normalized: true, special: true }],
  normalizer: null,
  pre_tokenizer: byteLevel(false, true),
  post_processor: byteLevel(true, false),
  decoder: byteLevel(true, true),
  model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '',
    end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, vocab, merges },
};
Tokenizer.fromString(JSON.stringify(doc)).save(outPath, false);
