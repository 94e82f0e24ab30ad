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
}
