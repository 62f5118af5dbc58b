// tg-tour: the index of the embedding-layer tour, one short program per slide (tools/tour/NN-*.cpp).
//   tg-tour            lists the programs
//   tg-tour 10         runs 10-sentiment (arguments after the number go to the program)
// The programs sit next to tg-tour in the build tree, and in <prefix>/libexec/tapegrad/tour when installed.
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "core/error.hpp"
#include "tools/common/cli.hpp"

namespace {

struct Slide {
  int number;
  const char* program;
  const char* what;
};

// Each line of the list fits 80 columns: a description is at most 54 characters.
constexpr std::array<Slide, 14> kSlides = {{
    {1, "01-lookup", "[4] ids -> [4, 100] vectors; backward reaches 4 rows"},
    {2, "02-init", "N(0, 1) init: mean, std, a heatmap of the first rows"},
    {3, "03-word-to-vector", "a three-word vocabulary, and the vector of 'banana'"},
    {4, "04-oov", "an unknown word falls back to the row of <unk>"},
    {5, "05-classifier", "embedding -> mean -> linear: [32, 20] ids -> [32, 5]"},
    {6, "06-pretrained", "GloVe vectors as a frozen table [VECTORS_FILE]"},
    {7, "07-visualize", "word vectors in 2-D: t-SNE and PCA [VECTORS_FILE]"},
    {8, "08-lookup-speed", "a table lookup against a hash map, timed"},
    {9, "09-padding", "padding, its mask and a masked mean (lengths 5, 3, 7)"},
    {10, "10-sentiment", "three reviews: mean -> linear -> sigmoid, BCE, Adam"},
    {11, "11-text-generation", "a char LSTM learns a sentence, continues \"Hello, \""},
    {12, "12-memory", "Embedding(V, 300) at fp32, fp16, bf16 and int8"},
    {13, "13-transfer", "a frozen embedding under an LSTM, then fine-tuned"},
    {14, "14-word2vec", "skip-gram, neighbours, analogies [VECTORS_FILE]"},
}};

// Where the tour programs are: next to this executable (build tree) or in ../libexec/tapegrad/tour.
std::filesystem::path program_dir() {
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe").parent_path();
  const std::filesystem::path installed = self / ".." / "libexec" / "tapegrad" / "tour";
  return std::filesystem::exists(self / kSlides[0].program) ? self : installed;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tg-tour: the embedding-layer walkthrough, one short program per slide"};
  int number = 0;
  std::vector<std::string> program_args;
  app.add_option("number", number, "the slide to run (1-14); none: list them")->check(CLI::Range(1, 14));
  app.add_option("args", program_args, "arguments for that program (e.g. a vectors file)");
  return tg::run_tool(app, argc, argv, [&] {
    const std::filesystem::path dir = program_dir();
    if (number == 0) {
      fmt::print("The embedding-layer tour: run `tg-tour N`, then read tools/tour/NN-*.cpp.\n\n");
      for (const Slide& s : kSlides)
        fmt::print("{:3}  {:<19} {}{}\n", s.number, s.program, s.what,
                   std::filesystem::exists(dir / s.program) ? "" : " (not built)");
      return 0;
    }
    const std::filesystem::path program = dir / kSlides[size_t(number - 1)].program;
    std::vector<char*> exec_argv = {const_cast<char*>(program.c_str())};
    for (std::string& a : program_args) exec_argv.push_back(a.data());
    exec_argv.push_back(nullptr);
    execv(program.c_str(), exec_argv.data());  // returns only on failure
    tg::fail("cannot run {}: {}", program.string(), std::strerror(errno));
  });
}
