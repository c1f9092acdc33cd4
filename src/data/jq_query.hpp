#pragma once
// The first output of a jq program on one JSON line, as Modalities' packer takes it
// (`jq.compile(pattern).input_text(line).first()`). Plain key paths like ".text" or
// ".chat" skip libjq and read the key directly; everything else runs libjq. One JqQuery
// per thread (libjq state is not thread-safe).
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace instill::data {

class JqQuery {
 public:
  explicit JqQuery(const std::string& program);
  ~JqQuery();
  JqQuery(const JqQuery&) = delete;
  JqQuery& operator=(const JqQuery&) = delete;

  // The program's first output on `json_line`, which must be a string. Throws Error with
  // the reason otherwise (null/no output, non-string, invalid JSON).
  std::string first_string(std::string_view json_line);

  const std::string& program() const { return program_; }

 private:
  void compile();
  std::optional<std::string> fast_path(std::string_view json_line, bool& handled) const;
  std::string program_;
  std::vector<std::string> key_path_;  // non-empty when the program is a plain key path
  struct LibJq;
  std::unique_ptr<LibJq> jq_;
};

}  // namespace instill::data
