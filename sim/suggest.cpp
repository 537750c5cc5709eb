#include "sim/suggest.h"

#include <algorithm>
#include <cctype>

namespace iosim::sim {
namespace {

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Beyond this many edits two names are different words, not a typo of each other.
constexpr std::size_t kMaxTypoEdits = 3;
// A typo changes about one character in three at most; "ab" vs "xy" is not a typo.
constexpr std::size_t kCharactersPerAllowedEdit = 3;

constexpr std::size_t kShortestAbbreviation = 3;

bool is_abbreviation(const std::string& word, const std::string& candidate) {
  if (word.size() < kShortestAbbreviation || word.size() >= candidate.size()) return false;
  if (word.front() != candidate.front()) return false;
  std::size_t matched = 0;
  for (char c : candidate) {
    if (matched < word.size() && word[matched] == c) ++matched;
  }
  return matched == word.size();
}

}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> previous(b.size() + 1), current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates) {
  const std::string lower_word = lowercase(word);
  for (const std::string& c : candidates) {
    if (lowercase(c) == lower_word) return c;
  }
  const std::size_t allowed =
      std::clamp<std::size_t>(word.size() / kCharactersPerAllowedEdit, 1, kMaxTypoEdits);
  std::optional<std::string> best;
  std::size_t best_distance = allowed + 1;
  for (const std::string& c : candidates) {
    std::size_t d = edit_distance(lower_word, lowercase(c));
    // A word whose letters all appear in order in a candidate starting with the same letter
    // ("avg_seek" in "average_seek") is a likely abbreviation even when many letters differ.
    if (is_abbreviation(lower_word, lowercase(c))) d = std::min(d, allowed);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  if (auto match = closest_match(word, candidates)) return "; did you mean '" + *match + "'?";
  return "";
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += separator;
    out += items[i];
  }
  return out;
}

}  // namespace iosim::sim
