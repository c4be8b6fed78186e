#pragma once

/// \file
/// The whole core of megaport-webhooks: parsing, policies, dedupe and the receiver. Optional
/// parts (SQLite, Redis, signatures, framework adapters) have headers of their own.

#include "webhooks/error.hpp"
#include "webhooks/event_set.hpp"
#include "webhooks/events.hpp"
#include "webhooks/parser.hpp"
#include "webhooks/payload.hpp"
#include "webhooks/result.hpp"
#include "webhooks/timestamp.hpp"
#include "webhooks/uuid.hpp"
#include "webhooks/version.hpp"
