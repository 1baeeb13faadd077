"""HTTP plumbing shared by the routers: dependencies, problems, responses, middleware, health."""
