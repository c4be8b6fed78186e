#pragma once

// The one place the tests name Catch2 itself: moving to Catch2 3 changes this file alone.
#include <catch2/catch.hpp>
