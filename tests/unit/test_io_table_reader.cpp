#include "helpers.hpp"
#include "labelqa/error.hpp"
#include "labelqa/io/table_reader.hpp"

#include <cstdio>
#include <deque>
#include <doctest/doctest.h>
#include <fstream>
#include <string>
#include <unistd.h>

using namespace labelqa;

namespace {
// A table held in memory under a file name (its extension gives the format); nothing is written.
io::Input table(const std::string& name, const std::string& content) {
  static std::deque<std::string> texts;  // the bytes outlive every test
  texts.push_back(content);
  return io::Input(name, texts.back());
}
}  // namespace

TEST_SUITE("io::table_reader") {
  TEST_CASE("long CSV: items in first-seen order, annotators sorted, duplicates of the same label collapse") {
    auto p = table("long.csv", "item,annotator,label\nx,bob,b\nx,amy,a\ny,amy,a\nx,bob,b\n");
    RatingSet rs = io::read_rating_table_inputs({p}, {});
    CHECK(rs.items == std::vector<std::string>{"x", "y"});
    CHECK(rs.annotators == std::vector<std::string>{"amy", "bob"});
    CHECK(rs.categories == std::vector<std::string>{"a", "b"});
    REQUIRE(rs.rating_count() == 3);
    CHECK(rs.ratings[0].annotator == 0);
    CHECK(rs.ratings[1].annotator == 1);
  }
  TEST_CASE("a conflicting duplicate names both lines; --duplicates last keeps the later one") {
    auto p = table("dup.csv", "item,annotator,label\nx,amy,a\nx,amy,b\n");
    CHECK_THROWS_WITH_AS(io::read_rating_table_inputs({p}, {}), doctest::Contains(":3: item \"x\""), InputError);
    CHECK_THROWS_WITH_AS(io::read_rating_table_inputs({p}, {}), doctest::Contains("dup.csv:2"), InputError);
    io::TableOptions o;
    o.duplicates = io::DuplicatePolicy::last;
    RatingSet rs = io::read_rating_table_inputs({p}, o);
    CHECK(rs.categories[rs.ratings[0].category] == "b");
  }
  TEST_CASE("wide table: empty cell means not rated") {
    auto p = table("wide.csv", "id,ann1,ann2\n1,a,\n2,b,b\n");
    io::TableOptions o;
    o.wide = true;
    RatingSet rs = io::read_rating_table_inputs({p}, o);
    CHECK(rs.rating_count() == 3);
    CHECK(rs.annotators == std::vector<std::string>{"ann1", "ann2"});
  }
  TEST_CASE("numeric levels: values, order, one category for 1 and 1.0") {
    auto p = table("num.csv", "item,annotator,label\n1,a,10\n1,b,2\n2,a,1.0\n2,b,1\n");
    io::TableOptions o;
    o.level = Level::interval;
    RatingSet rs = io::read_rating_table_inputs({p}, o);
    CHECK(rs.category_scores == std::vector<double>{1, 2, 10});
    o.level = Level::ordinal;
    CHECK(io::read_rating_table_inputs({p}, o).category_scores == std::vector<double>{1, 2, 3});
  }
  TEST_CASE("non-numeric label at interval level names file, line and value") {
    auto p = table("bad.csv", "item,annotator,label\n1,a,3\n1,b,high\n");
    io::TableOptions o;
    o.level = Level::interval;
    CHECK_THROWS_WITH_AS(io::read_rating_table_inputs({p}, o), doctest::Contains("bad.csv:3:"), InputError);
    CHECK_THROWS_WITH_AS(io::read_rating_table_inputs({p}, o), doctest::Contains("\"high\""), InputError);
  }
  TEST_CASE("JSONL with numbers, nulls and a bad line") {
    auto p = table("r.jsonl", "{\"item\": 1, \"annotator\": \"a\", \"label\": \"x\"}\n\n"
                                   "{\"item\": 1, \"annotator\": \"b\", \"label\": null}\n"
                                   "{\"item\": 2, \"annotator\": \"b\", \"label\": 3}\n");
    RatingSet rs = io::read_rating_table_inputs({p}, {});
    CHECK(rs.rating_count() == 2);
    CHECK(rs.categories == std::vector<std::string>{"3", "x"});
    auto q = table("bad.jsonl", "{\"item\": 1, \"annotator\": \"a\", \"label\": \"x\"}\n{\"item\": 2,\n");
    CHECK_THROWS_WITH_AS(io::read_rating_table_inputs({q}, {}), doctest::Contains("bad.jsonl:2: invalid JSON"), InputError);
  }
  TEST_CASE("--order maps labels to ranks and rejects others") {
    auto p = table("ord.csv", "item,annotator,label\n1,a,low\n1,b,high\n");
    io::TableOptions o;
    o.order = {"low", "mid", "high"};
    RatingSet rs = io::read_rating_table_inputs({p}, o);
    CHECK(rs.level == Level::ordinal);
    CHECK(rs.categories == std::vector<std::string>{"low", "mid", "high"});
    o.order = {"low", "mid"};
    CHECK_THROWS_WITH_AS(io::read_rating_table_inputs({p}, o), doctest::Contains("not in the label order"), InputError);
  }
}
