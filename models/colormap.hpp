#pragma once
// Colour maps for pictures: a value in [0, 1] -> a colour.
//   tg::models::Color c = tg::models::viridis(0.5);   // #21918c, the middle of viridis
// viridis is matplotlib's default map: perceptually uniform, readable in grey and by colour-blind readers.
#include "models/canvas.hpp"

namespace tg::models {

// t in [0, 1] (clamped; NaN counts as 0) -> the nearest of viridis' 256 entries.
Color viridis(double t);

}  // namespace tg::models
