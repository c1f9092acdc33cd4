// tokenizer.json from strangers (model hubs): the loader must turn every malformed file into
// instill::Error, and a tokenizer it accepts must encode and decode without crashing.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "tokenizer/tokenizer_json_loader.hpp"

namespace {

// Plain words, spaces and digits, a special-token-looking marker, combining marks and emoji,
// and an invalid UTF-8 byte: enough to reach every pipeline stage of a loaded tokenizer.
constexpr std::array<std::string_view, 6> kTexts = {
    "Hello world, this is 2024!",
    "  leading and trailing  \n\ttabs ",
    "<|endoftext|><s></s>[CLS] user: hi",
    "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xf0\x9f\x98\x80 e\xcc\x81",
    "",
    "bad \xff byte",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string json(reinterpret_cast<const char*>(data), size);
  std::unique_ptr<instill::tokenizer::Tokenizer> tokenizer;
  try {
    tokenizer = instill::tokenizer::load_tokenizer_json_string(json, "fuzz/tokenizer.json");
  } catch (const instill::Error&) {
    return 0;  // rejected with a message: the expected outcome for most inputs
  }
  for (std::string_view text : kTexts) {
    try {
      std::vector<int32_t> ids = tokenizer->encode(text, /*add_special_tokens=*/true);
      (void)tokenizer->decode(ids, /*skip_special_tokens=*/false);
      (void)tokenizer->decode(ids, /*skip_special_tokens=*/true);
    } catch (const instill::Error&) {
      // e.g. a model without an unknown token meeting an unknown character
    }
  }
  // Ids the file never defined (negative, huge) must decode to nothing, not read out of range.
  const std::vector<int32_t> foreign = {-1, 0, 1, 255, 65535, 1 << 30, INT32_MAX};
  try {
    (void)tokenizer->decode(foreign, false);
  } catch (const instill::Error&) {
  }
  return 0;
}
