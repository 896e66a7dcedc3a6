// fccl-topo: the topology fccl sees or a topology file describes, the fabric of every hop and
// why, and the ring and tree orders over it.
//   fccl-topo [--file F | FCCL_TOPO_FILE=F] [--ranks N] [--json | --dot | --png out.png]
// Without a file it describes N ranks (default 1) on this host, placed as the environment
// places them (FCCL_SCALEUP_DOMAIN), with the hardware hwloc reports.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "common/env.h"
#include "tools/fccl-topo/topo_view.h"

namespace {

int usage(const char* why) {
  std::fprintf(stderr, "fccl-topo: %s\nusage: fccl-topo [--file F] [--ranks N] [--json | --dot | --png out.png]\n",
               why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string file, format = "text", png;
  int ranks = 1;
  if (auto env = fccl::envString("FCCL_TOPO_FILE")) file = *env;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--file" && i + 1 < argc) file = argv[++i];
    else if (arg == "--ranks" && i + 1 < argc) ranks = std::atoi(argv[++i]);
    else if (arg == "--json") format = "json";
    else if (arg == "--dot") format = "dot";
    else if (arg == "--png" && i + 1 < argc) format = "png", png = argv[++i];
    else if (arg == "--help" || arg == "-h") return usage("prints a topology") == 2 ? 0 : 0;
    else return usage(("unknown argument " + arg).c_str());
  }
  if (ranks < 1 || ranks > 4096) return usage("--ranks takes 1 to 4096");
  auto view = file.empty() ? fccl::topo::viewOfThisHost(ranks) : fccl::topo::viewOfFile(file);
  if (!view.isOk()) {
    std::fprintf(stderr, "fccl-topo: %s\n", view.status().message().c_str());
    return 1;
  }
  if (format == "text") std::fputs(fccl::topo::renderText(*view).c_str(), stdout);
  if (format == "json") std::fputs(fccl::topo::renderJson(*view).c_str(), stdout);
  if (format == "dot") std::fputs(fccl::topo::renderDot(*view).c_str(), stdout);
  if (format == "png") {
    // Graphviz renders the picture; the command line holds only the path we were given.
    const std::string command = "dot -Tpng -o '" + png + "'";
    if (png.find('\'') != std::string::npos) return usage("the --png path may not contain a quote");
    FILE* dot = popen(command.c_str(), "w");
    if (!dot) return usage("cannot run Graphviz's dot (install graphviz)");
    const std::string text = fccl::topo::renderDot(*view);
    std::fwrite(text.data(), 1, text.size(), dot);
    const int rc = pclose(dot);
    if (rc != 0) {
      std::fprintf(stderr, "fccl-topo: dot failed (exit %d); is graphviz installed?\n", rc);
      return 1;
    }
    std::printf("fccl-topo: wrote %s\n", png.c_str());
  }
  return 0;
}
