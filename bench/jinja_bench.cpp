// Jinja benchmark: the reference chat template (apply_chat_template_config.yaml, joined as
// the data-prep step does), compiled once and rendered over the instruction-tuning
// conversations many times, single thread; against Python Jinja2 (tests/jinja/jinja_oracle.py
// --bench) in the same run. Checks byte identity first; prints medians of RUNS runs.
// usage: jinja_bench SOURCE_DIR REFERENCE_FIXTURES_DIR [RUNS=5] [ROUNDS=200]
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "core/python_json.hpp"
#include "jinja/template.hpp"

namespace {

std::string capture(const std::string& cmd) {
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot run " + cmd);
  std::string out;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  if (::pclose(pipe) != 0) throw std::runtime_error("failed: " + cmd);
  return out;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: jinja_bench SOURCE_DIR REFERENCE_FIXTURES_DIR [RUNS=5] [ROUNDS=200]\n";
    return 2;
  }
  const std::string source_dir = argv[1];
  const std::string files = std::string(argv[2]) + "/tests/instruction_tuning/files";
  const int runs = argc > 3 ? std::stoi(argv[3]) : 5;
  const int rounds = argc > 4 ? std::stoi(argv[4]) : 200;

  const YAML::Node config = YAML::LoadFile(files + "/apply_chat_template_config.yaml");
  std::string source = config["jinja2_chat_template"].as<std::string>();
  for (size_t at = source.find("}\n{"); at != std::string::npos; at = source.find("}\n{", at + 2))
    source.replace(at, 3, "}{");
  // chat_template_data as JSON text (all its leaves are strings).
  nlohmann::json data;
  for (const auto& kv : config["chat_template_data"]) {
    if (kv.second.IsMap()) {
      nlohmann::json inner;
      for (const auto& kv2 : kv.second)
        inner[kv2.first.as<std::string>()] = kv2.second.as<std::string>();
      data[kv.first.as<std::string>()] = inner;
    } else {
      data[kv.first.as<std::string>()] = kv.second.as<std::string>();
    }
  }
  std::map<std::string, std::string> roles;
  for (const auto& kv : config["instruction_data_transformation"]["role_mapping"])
    roles[kv.first.as<std::string>()] = kv.second.as<std::string>();

  nlohmann::json contexts = nlohmann::json::array();
  std::ifstream in(files + "/lorem_ipsum_instruct.jsonl");
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    nlohmann::json record = nlohmann::json::parse(line);
    for (auto& turn : record["messages"]) turn["role"] = roles.at(turn["role"].get<std::string>());
    contexts.push_back({{"messages", record["messages"]}, {"chat_template_data", data}});
  }
  const auto work = std::filesystem::temp_directory_path() / "instill_jinja_bench";
  std::filesystem::create_directories(work);
  std::ofstream(work / "template.jinja", std::ios::binary) << source;
  std::ofstream(work / "contexts.json", std::ios::binary) << contexts.dump();

  std::vector<instill::Value> values;
  for (const auto& c : contexts) values.push_back(instill::json_loads(c.dump()));
  const instill::jinja::Template tpl(source, "reference");

  // Byte identity with the oracle first.
  nlohmann::json cases = nlohmann::json::array();
  for (const auto& c : contexts) cases.push_back({{"template", source}, {"context", c.dump()}});
  std::ofstream(work / "cases.json", std::ios::binary) << cases.dump();
  const std::string oracle = "/usr/bin/python3 " + source_dir + "/tests/jinja/jinja_oracle.py";
  const auto expected =
      nlohmann::json::parse(capture(oracle + " --batch " + (work / "cases.json").string()));
  size_t total_bytes = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    const std::string ours = tpl.render_text(values[i].as_map());
    total_bytes += ours.size();
    if (!expected[i]["ok"].get<bool>() || expected[i]["text"].get<std::string>() != ours) {
      std::cerr << "output differs from the oracle for conversation " << i << "\n";
      return 1;
    }
  }

  // Timed in process CPU time (the build machine is shared; wall time swings with other
  // load), both sides alternating within each run; the speed-up is the median of the
  // per-run ratios.
  std::vector<double> ours_rates, python_rates, ratios;
  for (int r = 0; r < runs; ++r) {
    const std::clock_t c0 = std::clock();
    size_t sink = 0;
    for (int k = 0; k < rounds; ++k)
      for (const auto& v : values) sink += tpl.render_text(v.as_map()).size();
    const double s = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
    if (sink != total_bytes * static_cast<size_t>(rounds)) return 1;
    ours_rates.push_back(static_cast<double>(rounds) * static_cast<double>(values.size()) / s);
    python_rates.push_back(std::stod(capture(
        oracle + " --bench " + (work / "template.jinja").string() + " " +
        (work / "contexts.json").string() + " " + std::to_string(std::max(1, rounds / 10)))));
    ratios.push_back(ours_rates.back() / python_rates.back());
  }
  const double ours = median(ours_rates), python = median(python_rates);
  std::printf(
      "conversations: %zu (%zu output bytes per round), rounds: %d (python: %d), runs: %d\n",
      values.size(), total_bytes, rounds, std::max(1, rounds / 10), runs);
  std::printf(
      "instill: %.0f renders/s   python jinja2: %.0f renders/s   speed-up: %.1fx (median of "
      "per-run ratios)\n",
      ours, python, median(ratios));
  std::filesystem::remove_all(work);
  return 0;
}
