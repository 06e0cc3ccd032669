#pragma once
// One exception type for every user-facing problem: the message names the file, the
// place (line, key, layer ...) and the problem, ready to print as is.
#include <stdexcept>
#include <string>

namespace axevo {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
  // "FILE:LINE: MESSAGE" (LINE omitted when 0).
  Error(const std::string& file, std::size_t line, const std::string& message)
      : std::runtime_error(format(file, line, message)) {}

  static std::string format(const std::string& file, std::size_t line, const std::string& message) {
    std::string s = file;
    if (line > 0) s += ":" + std::to_string(line);
    if (!s.empty()) s += ": ";
    return s + message;
  }
};

}  // namespace axevo
