#include "topology/json_lines.h"

#include <string>
#include <vector>

namespace fccl {
namespace {

std::string indexPart(size_t index) {
  std::string part(1, '[');
  part.append(std::to_string(index));
  part.push_back(']');
  return part;
}

// "hosts[2].gbps" -> {"hosts", "[2]", "gbps"}.
std::vector<std::string> pathParts(std::string_view path) {
  std::vector<std::string> parts;
  std::string current;
  for (char c : path) {
    if (c == '.' || c == '[') {
      if (!current.empty()) parts.push_back(current);
      current.clear();
      if (c == '[') current.push_back('[');
    } else if (c == ']') {
      current.push_back(']');
      parts.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) parts.push_back(current);
  return parts;
}

struct Frame {
  bool object;
  std::string part;  // the key of the value being read, or "[index]"
  size_t index = 0;
};

class Scanner {
 public:
  Scanner(std::string_view text, std::string_view path) : text_(text), target_(pathParts(path)) {}

  size_t run() {
    size_t best = 1, bestDepth = 0;
    bool expectKey = false;
    for (size_t i = 0; i < text_.size(); ++i) {
      const char c = text_[i];
      if (c == '\n') ++line_;
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ':') continue;
      if (c == ',') {
        if (!stack_.empty() && stack_.back().object) {
          expectKey = true;
        } else if (!stack_.empty()) {
          stack_.back().part = indexPart(++stack_.back().index);
        }
        continue;
      }
      if (c == '}' || c == ']') {
        if (!stack_.empty()) stack_.pop_back();
        expectKey = false;
        continue;
      }
      if (c == '"' && expectKey) {
        stack_.back().part = readString(i);
        expectKey = false;
        continue;
      }
      // A value begins here: see how much of the target path it matches.
      const size_t depth = matched();
      if (depth == target_.size() && depth == stack_.size()) return line_;
      if (depth == stack_.size() && depth >= bestDepth) {
        best = line_;
        bestDepth = depth;
      }
      if (c == '"') {
        readString(i);
      } else if (c == '{') {
        stack_.push_back({true, ""});
        expectKey = true;
      } else if (c == '[') {
        stack_.push_back({false, indexPart(0)});
      } else {
        while (i + 1 < text_.size() && std::string_view(",}] \t\r\n").find(text_[i + 1]) == std::string_view::npos) ++i;
      }
    }
    return best;
  }

 private:
  // How many leading parts of the target the current position's path matches.
  size_t matched() const {
    size_t k = 0;
    while (k < stack_.size() && k < target_.size() && stack_[k].part == target_[k]) ++k;
    return k;
  }

  // Reads the string starting at text_[i] == '"'; leaves i on its closing quote.
  std::string readString(size_t& i) {
    std::string out;
    for (++i; i < text_.size() && text_[i] != '"'; ++i) {
      if (text_[i] == '\\' && i + 1 < text_.size()) ++i;
      if (text_[i] == '\n') ++line_;
      out += text_[i];
    }
    return out;
  }

  std::string_view text_;
  std::vector<std::string> target_;
  std::vector<Frame> stack_;
  size_t line_ = 1;
};

}  // namespace

size_t lineOfField(std::string_view text, std::string_view path) { return Scanner(text, path).run(); }

}  // namespace fccl
