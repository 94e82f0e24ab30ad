// Word alignment as NIST sclite aligns (substitution 4, insertion 3, deletion 3): cases whose
// counts sclite printed, then random sentences against sclite itself where it is installed
// (Debian package sctk).
#include "labelqa/metrics/edit_distance.hpp"

#include "helpers.hpp"

#include <cstdio>
#include <doctest/doctest.h>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

using namespace labelqa::metrics;

namespace {

std::vector<std::string_view> words(const std::string& s, std::vector<std::string>& store) {
  std::istringstream in(s);
  store.clear();
  for (std::string w; in >> w;) store.push_back(w);
  return {store.begin(), store.end()};
}

EditCounts align_text(const std::string& ref, const std::string& hyp) {
  std::vector<std::string> a, b;
  const auto r = words(ref, a);
  const auto h = words(hyp, b);
  return align(r, h);
}

}  // namespace

TEST_SUITE("metrics::edit_distance") {
  TEST_CASE("sclite's counts on hand cases") {
    // sctk sclite -r ref.trn trn -h hyp.trn trn -i rm -o pra stdout: Scores (#C #S #D #I)
    auto c = align_text("the cat sat on the mat", "the cat sit on mat");
    CHECK(c.correct == 4);
    CHECK(c.substitutions == 1);
    CHECK(c.deletions == 1);
    CHECK(c.insertions == 0);
    c = align_text("hello world again", "hello big world");  // 2 0 1 1: an insertion and a deletion cost less than two substitutions
    CHECK(c.correct == 2);
    CHECK(c.substitutions == 0);
    CHECK(c.deletions == 1);
    CHECK(c.insertions == 1);
    c = align_text("a b c d", "x a c d e");  // 3 0 1 2, where unit costs could as well give 2 substitutions
    CHECK(c.correct == 3);
    CHECK(c.substitutions == 0);
    CHECK(c.deletions == 1);
    CHECK(c.insertions == 2);
    c = align_text("", "a b");
    CHECK(c.insertions == 2);
    CHECK(c.reference() == 0);
    c = align_text("a b", "");
    CHECK(c.deletions == 2);
    CHECK(c.errors() == 2);
  }

  TEST_CASE("random sentences (up to 40 tokens of 5, where alignments of equal cost abound): the same counts as sclite") {
    if (std::system("command -v sctk > /dev/null 2>&1") != 0) {
      MESSAGE("skipped: sclite (Debian package sctk) is not installed");
      return;
    }
    std::mt19937 rng(7);
    const char* vocab[] = {"a", "b", "c", "d", "e"};
    const std::string dir = labelqa::test::tmp_dir();
    std::ofstream ref(dir + "/ref.trn"), hyp(dir + "/hyp.trn");
    std::vector<std::pair<std::string, std::string>> pairs;
    for (int u = 0; u < 300; ++u) {
      std::string r, h;
      // Short sentences, and long ones whose many alignments of equal cost test the tie-breaking.
      const int most = u < 150 ? 9 : 41;
      const int nr = static_cast<int>(rng() % most), nh = static_cast<int>(rng() % most);
      for (int k = 0; k < nr; ++k) r += std::string(k ? " " : "") + vocab[rng() % 5];
      for (int k = 0; k < nh; ++k) h += std::string(k ? " " : "") + vocab[rng() % 5];
      char id[16];
      std::snprintf(id, sizeof id, "u%04d", u);
      ref << r << " (" << id << ")\n";
      hyp << h << " (" << id << ")\n";
      pairs.emplace_back(r, h);
    }
    ref.close();
    hyp.close();
    const std::string cmd = "cd '" + dir + "' && sctk sclite -r ref.trn trn -h hyp.trn trn -i rm -o pra stdout 2>/dev/null";
    std::FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    std::string out;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    pclose(p);
    std::istringstream lines(out);
    std::size_t u = 0, same = 0;
    for (std::string line; std::getline(lines, line);) {
      long long c, s, d, i;
      if (std::sscanf(line.c_str(), "Scores: (#C #S #D #I) %lld %lld %lld %lld", &c, &s, &d, &i) != 4) continue;
      REQUIRE(u < pairs.size());
      const EditCounts e = align_text(pairs[u].first, pairs[u].second);
      if (e.correct == c && e.substitutions == s && e.deletions == d && e.insertions == i) ++same;
      else MESSAGE("u" << u << ": \"" << pairs[u].first << "\" / \"" << pairs[u].second << "\": sclite " << c << " " << s << " " << d << " " << i);
      ++u;
    }
    CHECK(u == pairs.size());
    CHECK(same == pairs.size());
  }
}
