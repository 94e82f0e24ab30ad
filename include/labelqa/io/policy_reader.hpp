// Gold policy files (`labelqa gold --policy`): TOML read with toml++, or the same structure as
// JSON (by the .json extension). docs/gold.md documents every key.
#pragma once

#include "labelqa/io/mapped_file.hpp"
#include "labelqa/model/policy.hpp"

#include <string>

namespace labelqa::io {

// Throws InputError naming the file, the line (TOML; JSON: the line of a syntax error, else the
// key's JSON pointer) and what was expected.
GoldPolicy read_policy(const Input& input);

}  // namespace labelqa::io
