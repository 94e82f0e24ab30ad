#include "labelqa/error.hpp"
#include "labelqa/io/csv.hpp"
#include "labelqa/io/timestamp.hpp"

#include <doctest/doctest.h>
#include <string>
#include <vector>

using labelqa::InputError;
using labelqa::io::CsvReader;

namespace {
std::vector<std::vector<std::string>> read_all(std::string_view data, char delim = ',') {
  CsvReader r(data, delim, "t.csv");
  std::vector<std::string_view> f;
  std::vector<std::vector<std::string>> out;
  while (r.next(f)) out.emplace_back(f.begin(), f.end());
  return out;
}
}  // namespace

TEST_SUITE("io::csv") {
  TEST_CASE("empty input and blank lines") {
    CHECK(read_all("").empty());
    CHECK(read_all("\n\n").empty());
    CHECK(read_all("a,b\n\n1,2\n") == std::vector<std::vector<std::string>>{{"a", "b"}, {"1", "2"}});
  }
  TEST_CASE("RFC 4180 quoting, embedded newlines, escapes, CRLF, BOM") {
    auto rows = read_all("\xEF\xBB\xBFitem,label\r\n\"a,1\",\"say \"\"hi\"\"\"\r\n\"multi\nline\",x\r\n");
    REQUIRE(rows.size() == 3);
    CHECK(rows[0] == std::vector<std::string>{"item", "label"});
    CHECK(rows[1] == std::vector<std::string>{"a,1", "say \"hi\""});
    CHECK(rows[2] == std::vector<std::string>{"multi\nline", "x"});
  }
  TEST_CASE("line numbers count newlines inside quotes") {
    CsvReader r("h\n\"a\nb\"\nc\n", ',', "t.csv");
    std::vector<std::string_view> f;
    REQUIRE(r.next(f));
    CHECK(r.record_line() == 1);
    REQUIRE(r.next(f));
    CHECK(r.record_line() == 2);
    REQUIRE(r.next(f));
    CHECK(r.record_line() == 4);
  }
  TEST_CASE("trailing empty field and last line without newline") {
    CHECK(read_all("a,b,\n1,,") == std::vector<std::vector<std::string>>{{"a", "b", ""}, {"1", "", ""}});
  }
  TEST_CASE("tab separated") { CHECK(read_all("a\tb\n1\t2", '\t')[1] == std::vector<std::string>{"1", "2"}); }
  TEST_CASE("malformed quoting is located") {
    CHECK_THROWS_WITH_AS(read_all("a,b\n\"open,2\n"), doctest::Contains("t.csv:2: malformed quoting"), InputError);
    CHECK_THROWS_WITH_AS(read_all("a,b\n1,\"x\"y\n"), doctest::Contains("t.csv:2: malformed quoting"), InputError);
  }
}

TEST_SUITE("io::timestamp") {
  using labelqa::io::parse_iso8601_ms;
  TEST_CASE("ISO 8601 forms") {
    CHECK(*parse_iso8601_ms("1970-01-01") == 0);
    CHECK(*parse_iso8601_ms("1970-01-02T00:00:00Z") == 86400000);
    CHECK(*parse_iso8601_ms("2024-02-29T12:30:15.250Z") == 1709209815250);
    CHECK(*parse_iso8601_ms("2024-02-29T14:30:15.25+02:00") == 1709209815250);
    CHECK(*parse_iso8601_ms("2024-02-29 12:30") == 1709209800000);
  }
  TEST_CASE("malformed") {
    CHECK_FALSE(parse_iso8601_ms("2023-02-29"));
    CHECK_FALSE(parse_iso8601_ms("yesterday"));
    CHECK_FALSE(parse_iso8601_ms("2024-01-01T25:00"));
    CHECK_FALSE(parse_iso8601_ms("2024-01-01T10:00Zjunk"));
  }
}
