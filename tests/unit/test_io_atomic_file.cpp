#include "helpers.hpp"
#include "labelqa/io/atomic_file.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

using labelqa::io::AtomicFile;

TEST_SUITE("io::atomic_file") {
  TEST_CASE("nothing appears until commit; an uncommitted file leaves no trace") {
    namespace fs = std::filesystem;
    fs::path dir = fs::path(labelqa::test::tmp_dir()) / "atomic";
    fs::create_directories(dir);
    fs::path target = dir / "report.json";
    {
      AtomicFile f(target.string());
      f.write("half");
      CHECK_FALSE(fs::exists(target));
    }
    CHECK(fs::is_empty(dir));
    {
      AtomicFile f(target.string());
      f.write("{}\n");
      f.commit();
    }
    std::ifstream in(target);
    std::stringstream ss;
    ss << in.rdbuf();
    CHECK(ss.str() == "{}\n");
    fs::remove_all(dir);
  }

  TEST_CASE("many small writes and large ones, gathered into blocks: the file holds them all, in order") {
    // Small pieces fill blocks of 1 MiB; a piece that does not fit goes after what is gathered,
    // and one of a block or more is written at once. Every byte must land once, in order.
    namespace fs = std::filesystem;
    fs::path dir = fs::path(labelqa::test::tmp_dir()) / "atomic-blocks";
    fs::create_directories(dir);
    const fs::path target = dir / "report.json";
    std::string want;
    {
      AtomicFile f(target.string());
      for (std::size_t k = 0; k < 60000; ++k) {
        std::string piece = std::to_string(k) + (k % 7 ? "," : "\n");
        if (k % 9973 == 0) piece += std::string((k % 3 + 1) << 19, static_cast<char>('a' + k % 26));  // half a block to 1.5 blocks
        if (k == 31000) piece += std::string(3 << 20, 'z');                                             // three blocks at once
        f.write(piece);
        want += piece;
      }
      CHECK_FALSE(fs::exists(target));
      f.commit();
    }
    std::ifstream in(target, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    CHECK(ss.str().size() == want.size());
    CHECK(ss.str() == want);
    fs::remove_all(dir);
  }
}
