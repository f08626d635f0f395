import { sheets } from "./atlas_sheets.js";
export default function ({ data }) { sheets().put(data.id, data.sprite); }
