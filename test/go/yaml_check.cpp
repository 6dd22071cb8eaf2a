// Compares the project's manifest reader with Kubernetes' (the reference lines test/go/yamlref
// prints for the same files). Each file is split into documents as kubectl splits it (a line
// starting with "---"), and each document must read to the same JSON (object keys sorted,
// numbers as JSON reads them back), be empty in both, or fail in both.
//
// usage: yaml_check REFERENCE   (prints one line per file and "N passed, M failed")

#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "injector/model/load.hpp"

namespace {

// Key order and number spelling apart, the JSON text.
std::string normal(const injector::Json& j) { return nlohmann::json::parse(j.dump()).dump(); }

// apimachinery's YAMLReader: a line starting with "---" ends a document (a bad marker is
// reported by the reference and left to it here).
std::vector<std::string> split_documents(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && (text[first] == '{' || text[first] == '[')) {
    return {text};
  }
  std::vector<std::string> docs;
  std::string buffer;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("---")) {
      if (!buffer.empty()) {
        docs.push_back(std::move(buffer));
        buffer.clear();
      }
      continue;
    }
    buffer += line + '\n';
  }
  if (!buffer.empty()) {
    docs.push_back(buffer);
  }
  return docs;
}

// One reference line's verdict, in the reference's words: `doc JSON`, `null`, `error`.
std::string ours(const std::string& doc, const std::string& file) {
  auto parsed = injector::parse_documents(doc, file);
  if (!parsed) {
    return "error";
  }
  if (parsed->empty()) {
    return "null";
  }
  // A List is flattened by our reader; the reference's item list is compared as one document.
  if (parsed->size() != 1) {
    return "doc (" + std::to_string(parsed->size()) + " documents)";
  }
  return "doc\t" + normal(parsed->front().object);
}

std::string reference(const std::string& line, const std::string& file) {
  if (!line.starts_with("doc\t")) {
    return line.starts_with("error") ? "error" : line;
  }
  auto parsed = injector::parse_documents(line.substr(4), file);  // JSON: read exactly
  if (!parsed || parsed->size() != 1) {
    return "unreadable reference " + line;
  }
  return "doc\t" + normal(parsed->front().object);
}

std::string check(const std::string& file, const std::vector<std::string>& ref) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return "cannot read the file";
  }
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::vector<std::string> docs = split_documents(text);
  if (docs.size() != ref.size()) {
    return "Kubernetes reads " + std::to_string(ref.size()) + " documents, we split " +
           std::to_string(docs.size());
  }
  std::string problems;
  for (std::size_t i = 0; i < docs.size(); ++i) {
    const std::string want = reference(ref[i], file);
    const std::string got = ours(docs[i], file);
    if (got != want) {
      problems += "\n  document " + std::to_string(i + 1) + ": " + docs[i] + "    kubernetes " +
                  (want == "error" ? ref[i] : want) + "\n    ours       " + got;
    }
  }
  return problems;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: yaml_check REFERENCE\n";
    return 2;
  }
  std::ifstream in(argv[1]);
  std::map<std::string, std::vector<std::string>> refs;
  std::vector<std::string> order;
  for (std::string line; std::getline(in, line);) {
    const auto a = line.find('\t');
    const auto b = line.find('\t', a + 1);
    if (a == std::string::npos || b == std::string::npos) {
      std::cerr << "bad reference line: " << line << '\n';
      return 2;
    }
    const std::string file = line.substr(0, a);
    if (refs.find(file) == refs.end()) {
      order.push_back(file);
    }
    refs[file].push_back(line.substr(b + 1));
  }
  int passed = 0;
  int failed = 0;
  for (const std::string& file : order) {
    const std::string problem = check(file, refs[file]);
    if (problem.empty()) {
      ++passed;
      std::cout << "ok   " << file << '\n';
    } else {
      ++failed;
      std::cout << "FAIL " << file << ": " << problem << '\n';
    }
  }
  std::cout << passed << " passed, " << failed << " failed\n";
  return failed == 0 && passed > 0 ? 0 : 1;
}
