// Finding models in the local Hugging Face cache: refs/main names the snapshot, a single
// snapshot is used when refs are missing, local directories win, and a miss says where
// instill looked and how to download.
#include "core/hf_hub.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

#include "core/error.hpp"
#include "test_support.hpp"

namespace instill {
namespace {

using testing::TempDir;

class HfHub : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* v : {"HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME"})
      if (const char* old = std::getenv(v)) saved_[v] = old;
    ::unsetenv("HUGGINGFACE_HUB_CACHE");
    ::unsetenv("HF_HOME");
    ::setenv("HF_HUB_CACHE", tmp_.path().c_str(), 1);
  }
  void TearDown() override {
    ::unsetenv("HF_HUB_CACHE");
    for (const auto& [k, v] : saved_) ::setenv(k.c_str(), v.c_str(), 1);
  }
  TempDir tmp_;
  std::map<std::string, std::string> saved_;
};

TEST_F(HfHub, RefsMainPicksTheSnapshot) {
  const auto repo = tmp_ / "models--Qwen--Qwen2.5-0.5B";
  std::filesystem::create_directories(repo / "snapshots" / "aaa");
  std::filesystem::create_directories(repo / "snapshots" / "bbb");
  std::filesystem::create_directories(repo / "refs");
  testing::spit(repo / "refs" / "main", "bbb");
  EXPECT_EQ(resolve_hf_model_dir("Qwen/Qwen2.5-0.5B"), repo / "snapshots" / "bbb");
  // Without refs/main, several snapshots are ambiguous.
  std::filesystem::remove(repo / "refs" / "main");
  EXPECT_THROW(resolve_hf_model_dir("Qwen/Qwen2.5-0.5B"), Error);
  std::filesystem::remove(repo / "snapshots" / "aaa");
  EXPECT_EQ(resolve_hf_model_dir("Qwen/Qwen2.5-0.5B"), repo / "snapshots" / "bbb");
}

TEST_F(HfHub, HfHomeIsUsedWhenNoCacheIsSet) {
  ::unsetenv("HF_HUB_CACHE");
  ::setenv("HF_HOME", tmp_.path().c_str(), 1);
  EXPECT_EQ(hf_hub_cache_dir(), tmp_.path() / "hub");
}

TEST_F(HfHub, LocalDirectoriesWin) {
  std::filesystem::create_directories(tmp_ / "my_model");
  EXPECT_EQ(resolve_hf_model_dir((tmp_ / "my_model").string()), tmp_ / "my_model");
}

TEST_F(HfHub, AMissIsAClearError) {
  try {
    resolve_hf_model_dir("Org/absent");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find((tmp_ / "models--Org--absent").string()), std::string::npos) << m;
    EXPECT_NE(m.find("huggingface-cli download Org/absent"), std::string::npos) << m;
  }
}

}  // namespace
}  // namespace instill
