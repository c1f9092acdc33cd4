#include "data/jq_query.hpp"

extern "C" {
#include <jq.h>
#include <jv.h>
}

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "core/python_json.hpp"
#include "core/python_repr.hpp"
#include "core/utf8.hpp"
#include "data/cleanup.hpp"

namespace instill::data {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kFlushEvery = std::chrono::milliseconds(10);

// Messages from the child: a kind byte, a 64-bit length and that many bytes.
enum Kind : uint8_t {
  kOutput = 0,        // the record's first output, a string
  kRecordError = 1,   // the record has no string output (the message says why)
  kOverBudget = 2,    // the record's output is too large
  kOutOfMemory = 3,   // libjq ran out of its memory budget
  kReady = 4,         // the program compiled
  kCompileError = 5,  // it did not (the message holds libjq's messages)
};

std::string shown(const std::string& program) {
  return "\"" + (program.size() > 80 ? program.substr(0, 77) + "..." : program) + "\"";
}

double seconds_for(std::size_t record_bytes) {
  return JqLimits::kSecondsPerRecord +
         static_cast<double>(record_bytes / JqLimits::kBytesPerExtraSecond);
}

std::size_t max_output_for(std::size_t record_bytes) {
  return std::max(JqLimits::kMaxOutputBytes, 4 * record_bytes);
}

// ---- The child: compiles the program, then answers batches of records until EOF. ----

bool write_all(int fd, const void* data, std::size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::send(fd, p, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

bool read_all(int fd, void* data, std::size_t size) {
  char* p = static_cast<char*>(data);
  while (size > 0) {
    const ssize_t n = ::read(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// The child's answers are gathered and sent every few milliseconds rather than one by one:
// a wake-up of the parent per record would cost more than libjq's work on a short record.
std::string g_outbox;
Clock::time_point g_last_flush;

void flush_outbox(int fd) {
  if (!write_all(fd, g_outbox.data(), g_outbox.size())) ::_exit(0);  // the parent is gone
  g_outbox.clear();
  g_last_flush = Clock::now();
}

void send_message(int fd, Kind kind, const char* data, std::size_t size) {
  char header[9];
  header[0] = static_cast<char>(kind);
  const uint64_t n = size;
  std::memcpy(header + 1, &n, 8);
  g_outbox.append(header, 9);
  g_outbox.append(data, size);
}

void send_message(int fd, Kind kind, const std::string& text) {
  send_message(fd, kind, text.data(), text.size());
}

int g_child_fd = -1;

// libjq calls this when an allocation fails (the address-space limit); otherwise it aborts.
void child_out_of_memory(void*) {
  char header[9] = {static_cast<char>(kOutOfMemory)};
  (void)write_all(g_child_fd, g_outbox.data(), g_outbox.size());
  (void)write_all(g_child_fd, header, 9);
  ::_exit(3);
}

std::string jv_message(jv msg, const char* fallback) {
  std::string text = jv_get_kind(msg) == JV_KIND_STRING ? jv_string_value(msg) : fallback;
  jv_free(msg);
  return text;
}

// One record: the first output, classified as the parent reports it.
void child_run_record(jq_state* jq, const std::string& program, const std::string& line, int fd) {
  jv input = jv_parse_sized(line.data(), static_cast<int>(line.size()));
  if (!jv_is_valid(input))
    return send_message(fd, kRecordError,
                        "jq: " + jv_message(jv_invalid_get_msg(input), "invalid JSON"));
  jq_start(jq, input, 0);
  jv out = jq_next(jq);
  const jv_kind kind = jv_get_kind(out);
  if (kind == JV_KIND_STRING) {
    const std::size_t n = static_cast<std::size_t>(jv_string_length_bytes(jv_copy(out)));
    if (n > max_output_for(line.size()))
      send_message(fd, kOverBudget,
                   "jq_pattern " + shown(program) + " gave " + std::to_string(n) +
                       " bytes for one record, over the per-record output limit (" +
                       std::to_string(max_output_for(line.size())) + " bytes)");
    else
      send_message(fd, kOutput, jv_string_value(out), n);
    jv_free(out);
    return;
  }
  if (kind == JV_KIND_INVALID) {
    jv msg = jv_invalid_get_msg(out);
    if (jv_get_kind(msg) == JV_KIND_STRING)
      return send_message(fd, kRecordError,
                          "jq expression " + shown(program) + " failed: " + jv_message(msg, ""));
    jv_free(msg);
    return send_message(
        fd, kRecordError,
        "jq was not able to find anything using the expression " + shown(program) + " (no output)");
  }
  jv_free(out);
  if (kind == JV_KIND_NULL)
    return send_message(fd, kRecordError,
                        "jq was not able to find anything using the expression " + shown(program));
  send_message(fd, kRecordError,
               "jq expression " + shown(program) + " gave a " + jv_kind_name(kind) +
                   ", expected a string to tokenize");
}

// The child's virtual memory now, so that the budget comes on top of what fork() shared.
rlim_t address_space_now() {
  unsigned long pages = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%lu", &pages) != 1) pages = 0;
    std::fclose(f);
  }
  return static_cast<rlim_t>(pages) * static_cast<rlim_t>(::sysconf(_SC_PAGESIZE));
}

[[noreturn]] void child_main(int fd, const std::string& program, pid_t parent) {
  // The parent decides about signals and kills this process; it also dies with the parent.
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) ::signal(sig, SIG_IGN);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(0);
  // Other JqQuery children's sockets and the run's output files stay with the parent.
  if (fd != 3) {
    ::dup2(fd, 3);
    fd = 3;
  }
  if (::close_range(4, ~0u, 0) != 0)
    for (int other = 4; other < 4096; ++other) ::close(other);
  ::fcntl(fd, F_SETFL, 0);  // blocking
  g_child_fd = fd;
  try {
    jq_state* jq = jq_init();
    if (!jq) ::_exit(4);
    jq_set_nomem_handler(jq, child_out_of_memory, nullptr);
    std::string messages;
    jq_set_error_cb(
        jq,
        [](void* data, jv msg) {
          auto* out = static_cast<std::string*>(data);
          jv text =
              jv_get_kind(msg) == JV_KIND_STRING ? jv_copy(msg) : jv_dump_string(jv_copy(msg), 0);
          if (!out->empty()) *out += "; ";
          *out += jv_string_value(text);
          jv_free(text);
          jv_free(msg);
        },
        &messages);
    if (!jq_compile(jq, program.c_str())) {
      send_message(fd, kCompileError, messages);
      flush_outbox(fd);
      ::_exit(0);
    }
    jq_set_error_cb(jq, nullptr, nullptr);
    send_message(fd, kReady, "", 0);
    flush_outbox(fd);
    const rlim_t base = address_space_now();
    std::vector<std::string> batch;
    for (uint32_t count = 0; read_all(fd, &count, 4);) {
      batch.resize(count);
      for (auto& line : batch) {
        uint64_t n = 0;
        if (!read_all(fd, &n, 8)) ::_exit(0);
        line.resize(n);
        if (!read_all(fd, line.data(), n)) ::_exit(0);
      }
      g_last_flush = Clock::now();
      for (const auto& line : batch) {
        rlimit limit{base + JqLimits::kMemoryBytes + 32 * line.size(), RLIM_INFINITY};
        ::setrlimit(RLIMIT_AS, &limit);
        child_run_record(jq, program, line, fd);
        if (g_outbox.size() > (256u << 10) || Clock::now() - g_last_flush > kFlushEvery)
          flush_outbox(fd);
      }
      flush_outbox(fd);
    }
  } catch (...) {
    child_out_of_memory(nullptr);  // std::bad_alloc under the limit; nothing else throws here
  }
  ::_exit(0);
}

}  // namespace

// ---- The parent's side: one child per JqQuery, started on first use. ----

struct JqQuery::Worker {
  pid_t pid = -1;
  int fd = -1;
  const std::string& program;
  std::string inbox;  // read from the child, not yet taken
  std::size_t inbox_pos = 0;

  explicit Worker(const std::string& p) : program(p) {}
  ~Worker() { stop(); }

  void stop() {
    if (fd >= 0) ::close(fd);
    fd = -1;
    inbox.clear();
    inbox_pos = 0;
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
      }
    }
    pid = -1;
  }

  // How the child ended, once it closed its socket without answering.
  std::string death() {
    int status = 0;
    pid_t p = pid;
    pid = -1;
    if (fd >= 0) ::close(fd);
    fd = -1;
    inbox.clear();
    inbox_pos = 0;
    while (::waitpid(p, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 3) return "out_of_memory";
    if (WIFSIGNALED(status))
      return "libjq crashed (signal " + std::to_string(WTERMSIG(status)) + ", " +
             strsignal(WTERMSIG(status)) + ")";
    return "libjq's process ended unexpectedly";
  }

  void start() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
      throw Error(std::string("jq: cannot create a socket pair: ") + std::strerror(errno));
    const pid_t parent = ::getpid();
    pid = ::fork();
    if (pid < 0) {
      ::close(fds[0]);
      ::close(fds[1]);
      throw Error(std::string("jq: cannot start libjq's process: ") + std::strerror(errno));
    }
    if (pid == 0) {
      ::close(fds[0]);
      child_main(fds[1], program, parent);
    }
    ::close(fds[1]);
    fd = fds[0];
    ::fcntl(fd, F_SETFL, O_NONBLOCK);
  }

  // Waits (checking for Ctrl-C) until the socket is ready or the deadline passes.
  bool wait_for(short events, Clock::time_point deadline) {
    for (;;) {
      throw_if_interrupted();
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd, events, 0};
      const int n = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 100)));
      if (n > 0) return true;
      if (n < 0 && errno != EINTR)
        throw Error(std::string("jq: poll failed: ") + std::strerror(errno));
    }
  }

  // Copies `size` bytes from the child, reading ahead into `inbox`; false: timed out; throws
  // when the child is gone.
  bool receive(void* data, std::size_t size, Clock::time_point deadline) {
    char* p = static_cast<char*>(data);
    while (size > 0) {
      if (inbox_pos < inbox.size()) {
        const std::size_t take = std::min(size, inbox.size() - inbox_pos);
        std::memcpy(p, inbox.data() + inbox_pos, take);
        inbox_pos += take;
        p += take;
        size -= take;
        continue;
      }
      inbox.resize(64u << 10);
      inbox_pos = 0;
      const ssize_t n = ::read(fd, inbox.data(), inbox.size());
      inbox.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
      if (n > 0) continue;
      if (n == 0) throw Error(death());
      if (errno == EINTR) continue;
      if (errno != EAGAIN) throw Error(death());
      if (!wait_for(POLLIN, deadline)) return false;
    }
    return true;
  }

  void send(const void* data, std::size_t size) {
    const char* p = static_cast<const char*>(data);
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    while (size > 0) {
      const ssize_t n = ::send(fd, p, size, MSG_NOSIGNAL);
      if (n > 0) {
        p += n;
        size -= static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN && wait_for(POLLOUT, deadline)) continue;
      throw Error(death());
    }
  }

  // One message; false when the deadline passed first.
  bool message(Kind& kind, std::string& payload, Clock::time_point deadline, std::size_t max) {
    char header[9];
    if (!receive(header, 9, deadline)) return false;
    kind = static_cast<Kind>(header[0]);
    uint64_t n = 0;
    std::memcpy(&n, header + 1, 8);
    if (n > max)
      throw Error("jq: libjq's process sent a message of " + std::to_string(n) + " bytes");
    payload.resize(n);
    return receive(payload.data(), n, deadline);
  }
};

void check_jq_program_size(const std::string& program) {
  const std::string key = "settings.jq_pattern";
  if (program.size() > JqLimits::kMaxProgramBytes)
    throw Error(key + ": the jq program is " + std::to_string(program.size()) +
                " bytes long; at most " + std::to_string(JqLimits::kMaxProgramBytes) +
                " are allowed");
  // Brackets in strings do not count, but string interpolations "\( ... )" are code again.
  int depth = 0;
  bool in_string = false;
  std::vector<int> interpolations;  // the depth at which each open interpolation began
  for (std::size_t i = 0; i < program.size(); ++i) {
    const char c = program[i];
    if (in_string) {
      if (c == '"') in_string = false;
      if (c != '\\' || i + 1 == program.size()) continue;
      if (program[++i] != '(') continue;
      interpolations.push_back(depth++);
      in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '(' || c == '[' || c == '{') {
      ++depth;
    } else if (c == ')' || c == ']' || c == '}') {
      --depth;
      if (!interpolations.empty() && interpolations.back() == depth) {
        interpolations.pop_back();
        in_string = true;
      }
    }
    if (depth > JqLimits::kMaxProgramNesting)
      throw Error(key + ": the jq program nests brackets more than " +
                  std::to_string(JqLimits::kMaxProgramNesting) + " levels deep");
  }
}

JqQuery::JqQuery(const std::string& program)
    : program_(program), worker_(std::make_unique<Worker>(program_)) {
  check_jq_program_size(program);  // before the key-path scan and libjq see it
  bool key_path = program.size() >= 2 && program[0] == '.';
  for (std::size_t i = 0; i < program.size() && key_path; ++i) {
    const char c = program[i];
    const bool ident = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    if (c == '.')
      key_path = i + 1 < program.size() && program[i + 1] != '.';
    else if (digit)
      key_path = i > 0 && program[i - 1] != '.';
    else
      key_path = ident;
  }
  if (key_path) {
    std::size_t i = 1;
    while (i <= program.size()) {
      std::size_t dot = program.find('.', i);
      if (dot == std::string::npos) dot = program.size();
      key_path_.push_back(program.substr(i, dot - i));
      i = dot + 1;
    }
  }
  // Compiling a jq program costs milliseconds (libjq compiles its builtins too), so plain
  // key paths never touch libjq unless a line needs it.
  if (key_path_.empty()) compile();
}

void JqQuery::compile() {
  if (worker_->pid > 0) return;
  worker_->start();
  Kind kind{};
  std::string payload;
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  bool answered = false;
  try {
    answered = worker_->message(kind, payload, deadline, JqLimits::kMaxOutputBytes);
  } catch (const Interrupted&) {
    worker_->stop();
    throw;
  } catch (const Error& e) {
    worker_->stop();
    throw Error("settings.jq_pattern: cannot compile the jq program " + shown(program_) + ": " +
                e.what());
  }
  if (answered && kind == kReady) return;
  worker_->stop();
  if (!answered)
    throw Error("settings.jq_pattern: compiling the jq program " + shown(program_) +
                " took more than 30 s");
  throw Error("jq_pattern: cannot compile the jq program " + shown(program_) +
              (payload.empty() ? std::string() : ": " + payload));
}

JqQuery::~JqQuery() = default;

std::optional<std::string> JqQuery::fast_path(std::string_view json_line, bool& handled) const {
  handled = false;
  if (key_path_.empty()) return std::nullopt;
  Value v = json_loads(json_line);
  for (const auto& key : key_path_) {
    if (v.is_null()) break;                // jq: .a.b on null is null
    if (!v.is_map()) return std::nullopt;  // libjq reports the precise error
    const Value* child = v.as_map().find(key);
    v = child ? *child : Value();
  }
  if (v.is_string() && !is_valid_utf8(v.as_string()))
    return std::nullopt;  // lone surrogates: libjq's rules
  handled = true;
  if (v.is_null())
    throw Error("jq was not able to find anything using the expression \"" + program_ + "\"");
  if (!v.is_string())
    throw Error("jq expression \"" + program_ + "\" gave a " + v.python_type_name() + " (" +
                python_repr(v).substr(0, 60) + "), expected a string to tokenize");
  return v.as_string();
}

std::string JqQuery::first_string(std::string_view json_line) {
  JqResult result;
  first_strings({&json_line, 1}, {&result, 1});
  if (result.error) throw Error(*result.error);
  return std::move(result.text);
}

void JqQuery::first_strings(std::span<const std::string_view> lines, std::span<JqResult> results) {
  std::vector<std::size_t> slow;  // the lines that need libjq
  for (std::size_t i = 0; i < lines.size(); ++i) {
    results[i].error.reset();
    bool handled = false;
    try {
      if (auto s = fast_path(lines[i], handled)) results[i].text = std::move(*s);
    } catch (const Error& e) {
      results[i].error = e.what();
    }
    if (!handled) slow.push_back(i);
  }
  if (slow.empty()) return;
  compile();
  std::string request;
  const uint32_t count = static_cast<uint32_t>(slow.size());
  request.append(reinterpret_cast<const char*>(&count), 4);
  for (std::size_t i : slow) {
    const uint64_t n = lines[i].size();
    request.append(reinterpret_cast<const char*>(&n), 8);
    request.append(lines[i]);
  }
  worker_->send(request.data(), request.size());
  std::string payload;
  for (std::size_t i : slow) {
    const double seconds = seconds_for(lines[i].size());
    const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                             std::chrono::duration<double>(seconds));
    Kind kind{};
    bool answered = false;
    try {
      answered = worker_->message(kind, payload, deadline, max_output_for(lines[i].size()) + 4096);
    } catch (const JqBudgetError&) {
      throw;
    } catch (const Interrupted&) {
      worker_->stop();
      throw;
    } catch (const Error& e) {
      worker_->stop();
      const std::string why = e.what();
      if (why == "out_of_memory") throw JqBudgetError(out_of_memory(), i);
      throw JqBudgetError("jq_pattern " + shown(program_) + ": " + why, i);
    }
    if (!answered) {
      worker_->stop();
      char limit[32];
      std::snprintf(limit, sizeof limit, "%g", seconds);
      throw JqBudgetError(
          "jq_pattern " + shown(program_) + " exceeded the per-record time limit (" + limit + " s)",
          i);
    }
    if (kind == kOverBudget || kind == kOutOfMemory) {
      worker_->stop();
      throw JqBudgetError(kind == kOverBudget ? payload : out_of_memory(), i);
    }
    if (kind == kOutput)
      results[i].text = std::move(payload);
    else
      results[i].error = std::move(payload);
    payload = std::string();
  }
}

std::string JqQuery::out_of_memory() const {
  return "jq_pattern " + shown(program_) + " exceeded the per-record memory limit (" +
         std::to_string(JqLimits::kMemoryBytes >> 30) + " GiB)";
}

}  // namespace instill::data
