// "Did you mean ...?": the closest known name to a misspelt one.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace iosim::sim {

/// Levenshtein distance between two strings (byte-wise).
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `word` if it is close enough to be a plausible typo: a
/// case-insensitive match, or within a distance of about a third of the word's length (at least
/// one, at most three edits). Ties go to the earlier candidate, so the result is deterministic.
std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates);

/// "; did you mean 'x'?" when there is a close match, empty otherwise.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

/// "a, b, c" (for "expected one of ...").
std::string join(const std::vector<std::string>& items, std::string_view separator = ", ");

}  // namespace iosim::sim
