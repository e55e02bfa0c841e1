#pragma once
// Inside any torchlet namespace, `detail::name` finds torchlet::detail's internals: each
// namespace's own `detail` (its internals) also sees torchlet::detail through a
// using-directive, so no header has to spell `torchlet::detail::`. A name a nested detail
// defines itself is found first.
namespace torchlet::detail {}
namespace torchlet::autograd::detail {
using namespace torchlet::detail;
}
namespace torchlet::data::detail {
using namespace torchlet::detail;
}
namespace torchlet::distributed::detail {
using namespace torchlet::detail;
}
namespace torchlet::io::detail {
using namespace torchlet::detail;
}
namespace torchlet::nn::detail {
using namespace torchlet::detail;
}
namespace torchlet::nn::functional::detail {
using namespace torchlet::detail;
}
namespace torchlet::nn::init::detail {
using namespace torchlet::detail;
}
namespace torchlet::nn::utils::detail {
using namespace torchlet::detail;
}
namespace torchlet::optim::detail {
using namespace torchlet::detail;
}
namespace torchlet::utils::detail {
using namespace torchlet::detail;
}
namespace torchlet::vision::detail {
using namespace torchlet::detail;
}
namespace torchlet::vision::transforms::detail {
using namespace torchlet::detail;
}
namespace torchlet::vision::utils::detail {
using namespace torchlet::detail;
}
