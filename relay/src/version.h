#ifndef RELAY_VERSION_H
#define RELAY_VERSION_H

#define RELAY_VERSION "0.1.0"

#endif
