/** A split point of the bundle (src/bundle/entry.ts): the mission service. */
export * as missionService from "../mission/service.ts";
