#include "sim/expectations.h"

#include <cctype>
#include <cmath>

#include "sim/suggest.h"

namespace iosim::sim {
namespace {

using i128 = __int128;

constexpr std::string_view kOfSeparator = " of ";

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool has_unit_letters(std::string_view text) {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalpha(u) || u >= 0x80) return true;  // 0x80+: the µ of µs
  }
  return false;
}

/// A number for comparison: exact as num/den when possible, approximate otherwise.
struct Number {
  bool exact = true;
  i128 num = 0;
  i128 den = 1;
  long double approx = 0;
};

i128 power_of_ten(unsigned n) {
  i128 p = 1;
  for (unsigned i = 0; i < n; ++i) p *= 10;
  return p;
}

Number from_metric(const MetricValue& v) {
  Number n;
  n.approx = metric_as_number(v);
  if (const std::int64_t* i = std::get_if<std::int64_t>(&v)) {
    n.num = *i;
  } else if (const bool* b = std::get_if<bool>(&v)) {
    n.num = *b ? 1 : 0;
  } else {
    n.exact = false;
  }
  return n;
}

Number from_decimal(const Decimal& d) {
  Number n;
  n.num = static_cast<i128>(d.mantissa);
  n.den = power_of_ten(d.scale);
  n.approx = to_long_double(d);
  return n;
}

Number multiply(const Number& a, const Number& b) {
  Number n;
  n.approx = a.approx * b.approx;
  n.exact = a.exact && b.exact && !__builtin_mul_overflow(a.num, b.num, &n.num) &&
            !__builtin_mul_overflow(a.den, b.den, &n.den);
  return n;
}

Number absolute(const Number& a) {
  Number n = a;
  if (n.num < 0) n.num = -n.num;
  n.approx = std::fabs(n.approx);
  return n;
}

/// |a - b|, exact when the cross products fit.
Number distance(const Number& a, const Number& b) {
  Number n;
  n.approx = std::fabs(a.approx - b.approx);
  i128 left = 0, right = 0;
  n.exact = a.exact && b.exact && !__builtin_mul_overflow(a.num, b.den, &left) &&
            !__builtin_mul_overflow(b.num, a.den, &right) &&
            !__builtin_mul_overflow(a.den, b.den, &n.den) &&
            !__builtin_sub_overflow(left, right, &n.num);
  if (n.num < 0) n.num = -n.num;
  return n;
}

/// -1, 0, 1 as a <, ==, > b.
int compare(const Number& a, const Number& b) {
  i128 left = 0, right = 0;
  if (a.exact && b.exact && !__builtin_mul_overflow(a.num, b.den, &left) &&
      !__builtin_mul_overflow(b.num, a.den, &right)) {
    return left < right ? -1 : (left > right ? 1 : 0);
  }
  return a.approx < b.approx ? -1 : (a.approx > b.approx ? 1 : 0);
}

/// Resolves an amount against the metrics (for "N% of other").
Number resolve(const Amount& amount, const Metrics& metrics) {
  const Number number = from_decimal(amount.number);
  if (amount.of_metric.empty()) return number;
  const std::optional<MetricValue> other = lookup_metric(metrics, amount.of_metric);
  return multiply(number, from_metric(other.value_or(MetricValue{std::int64_t{0}})));
}

/// A resolved number printed in the metric's unit.
std::string format_number(const Number& n, MetricKind kind) {
  if (n.exact && n.den != 0 && n.num % n.den == 0 && kind != MetricKind::ratio) {
    const i128 whole = n.num / n.den;
    if (whole >= INT64_MIN && whole <= INT64_MAX) {
      return format_metric(MetricValue{static_cast<std::int64_t>(whole)}, kind);
    }
  }
  if (kind == MetricKind::time_ps && n.approx >= 0) {
    // A fraction of a picosecond only arises from percentages; round for display.
    return format_time_ps(static_cast<Picoseconds>(std::llround(n.approx)));
  }
  return format_metric(MetricValue{static_cast<double>(n.approx)}, kind);
}

std::string amount_text(const Amount& amount, const Metrics& metrics, MetricKind kind) {
  const std::string value = format_number(resolve(amount, metrics), kind);
  if (amount.of_metric.empty()) return value;
  return value + " (" + amount.text + ")";
}

}  // namespace

std::string Expectation::describe() const {
  if (equals_flag) return std::string("is ") + (*equals_flag ? "true" : "false");
  if (equals) {
    std::string text = "equals " + equals->text;
    if (tolerance) text += " within " + tolerance->text;
    return text;
  }
  if (at_least && at_most) return "between " + at_least->text + " and " + at_most->text;
  if (at_least) return "at least " + at_least->text;
  if (at_most) return "at most " + at_most->text;
  return "(nothing)";
}

Amount parse_amount(std::string_view raw, MetricKind kind) {
  const std::string_view text = trim(raw);
  Amount amount;
  amount.text = std::string(text);
  if (kind == MetricKind::flag) throw ParseError("expected true or false");

  const std::size_t of = text.find(kOfSeparator);
  if (of != std::string_view::npos) {
    const std::string_view percent = trim(text.substr(0, of));
    if (!is_percent(percent)) {
      throw ParseError("expected a percentage before 'of', like '5% of sim_time_ps'; got '" +
                       std::string(text) + "'");
    }
    amount.number = parse_percent(percent);
    amount.of_metric = std::string(trim(text.substr(of + kOfSeparator.size())));
    if (amount.of_metric.empty()) {
      throw ParseError("expected a metric name after 'of', like '5% of sim_time_ps'");
    }
    return amount;
  }

  switch (kind) {
    case MetricKind::time_ps:
      if (has_unit_letters(text)) {
        try {
          amount.number = Decimal{parse_time_ps(text), 0};
        } catch (const ParseError& e) {
          throw ParseError(std::string("this metric is a time: ") + e.what());
        }
        return amount;
      }
      break;
    case MetricKind::bytes:
      if (has_unit_letters(text)) {
        try {
          amount.number = Decimal{parse_size(text).bytes, 0};
        } catch (const ParseError& e) {
          throw ParseError(std::string("this metric is a size: ") + e.what());
        }
        return amount;
      }
      break;
    case MetricKind::ratio:
      if (is_percent(text)) {
        amount.number = parse_percent(text);
        return amount;
      }
      break;
    case MetricKind::count:
      if (has_unit_letters(text) || is_percent(text)) {
        throw ParseError(
            "expected a plain number (this metric is a count), or 'N% of "
            "other.metric'; got '" +
            std::string(text) + "'");
      }
      break;
    case MetricKind::flag:
      break;
  }
  amount.number = parse_plain_decimal(text);
  return amount;
}

std::optional<MetricValue> lookup_metric(const Metrics& metrics, const std::string& key) {
  if (auto it = metrics.find(key); it != metrics.end()) return it->second;
  const MetricDefinition* definition = find_metric_definition(key);
  if (definition == nullptr) return std::nullopt;
  if (definition->kind == MetricKind::flag) return MetricValue{false};
  if (definition->kind == MetricKind::ratio) return MetricValue{0.0};
  return MetricValue{std::int64_t{0}};
}

std::vector<ExpectationResult> evaluate_expectations(const std::vector<Expectation>& expectations,
                                                     const Metrics& metrics) {
  std::vector<ExpectationResult> results;
  for (const Expectation& e : expectations) {
    ExpectationResult r;
    r.expectation = e;
    const std::optional<MetricValue> value = lookup_metric(metrics, e.metric);
    if (!value) {
      r.passed = false;
      r.expected = e.describe();
      r.actual = "(no such metric)";
      results.push_back(std::move(r));
      continue;
    }
    r.actual = format_metric(*value, e.kind);
    if (e.equals_flag) {
      const bool* flag = std::get_if<bool>(&*value);
      r.passed = flag != nullptr && *flag == *e.equals_flag;
      r.expected = *e.equals_flag ? "yes" : "no";
      results.push_back(std::move(r));
      continue;
    }
    const Number actual = from_metric(*value);
    bool passed = true;
    std::vector<std::string> parts;
    if (e.equals) {
      const Number expected = resolve(*e.equals, metrics);
      if (e.tolerance) {
        const Number tolerance = resolve(*e.tolerance, metrics);
        const Number allowed =
            e.tolerance_is_relative ? multiply(tolerance, absolute(expected)) : tolerance;
        passed = compare(distance(actual, expected), allowed) <= 0;
        parts.push_back(
            amount_text(*e.equals, metrics, e.kind) + " \xC2\xB1 " +
            (e.tolerance_is_relative ? e.tolerance->text : format_number(tolerance, e.kind)));
      } else {
        passed = compare(actual, expected) == 0;
        parts.push_back(amount_text(*e.equals, metrics, e.kind));
      }
    }
    if (e.at_least) {
      passed = passed && compare(actual, resolve(*e.at_least, metrics)) >= 0;
      parts.push_back("\xE2\x89\xA5 " + amount_text(*e.at_least, metrics, e.kind));
    }
    if (e.at_most) {
      passed = passed && compare(actual, resolve(*e.at_most, metrics)) <= 0;
      parts.push_back("\xE2\x89\xA4 " + amount_text(*e.at_most, metrics, e.kind));
    }
    r.passed = passed;
    r.expected = join(parts, " and ");
    results.push_back(std::move(r));
  }
  return results;
}

}  // namespace iosim::sim
