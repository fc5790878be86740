/**
 * Agent nicknames: 1920s US first names (Tiny Town, Colorado was founded then), picked from
 * the agent's UUID exactly as tinytown does, so both tools show the same nickname. Some names
 * are in both lists, so nicknames are not unique.
 */
import { ConfigError } from "../errors.ts";
import { isSupervisorAlias, parseId } from "./ids.ts";

// deno-fmt-ignore
/** 200 boys' names, index 0 first (order matters: it is part of the algorithm). */
export const BOYS: readonly string[] = [
  "Robert", "John", "James", "William", "Charles", "George", "Joseph", "Richard", "Edward",
  "Donald", "Thomas", "Frank", "Harold", "Paul", "Raymond", "Walter", "Jack", "Henry", "Kenneth",
  "Arthur", "Albert", "David", "Harry", "Eugene", "Ralph", "Howard", "Carl", "Willie", "Louis",
  "Clarence", "Earl", "Roy", "Fred", "Joe", "Francis", "Lawrence", "Herbert", "Leonard", "Ernest",
  "Alfred", "Anthony", "Stanley", "Norman", "Gerald", "Daniel", "Samuel", "Bernard", "Billy",
  "Melvin", "Marvin", "Warren", "Michael", "Leroy", "Russell", "Leo", "Andrew", "Edwin", "Elmer",
  "Peter", "Floyd", "Lloyd", "Ray", "Frederick", "Theodore", "Clifford", "Vernon", "Herman",
  "Clyde", "Chester", "Philip", "Alvin", "Lester", "Wayne", "Vincent", "Gordon", "Leon", "Lewis",
  "Charlie", "Glenn", "Calvin", "Martin", "Milton", "Lee", "Jesse", "Dale", "Cecil", "Bill",
  "Harvey", "Roger", "Victor", "Benjamin", "Ronald", "Wallace", "Sam", "Allen", "Arnold", "Willard",
  "Gilbert", "Edgar", "Oscar", "Gene", "Jerry", "Douglas", "Johnnie", "Claude", "Don", "Eddie",
  "Roland", "Everett", "Maurice", "Curtis", "Marion", "Virgil", "Wilbur", "Manuel", "Stephen",
  "Jerome", "Homer", "Leslie", "Glen", "Jessie", "Hubert", "Jose", "Jimmie", "Sidney", "Morris",
  "Hugh", "Max", "Bobby", "Bob", "Nicholas", "Luther", "Bruce", "Junior", "Wesley", "Alexander",
  "Rudolph", "Franklin", "Tom", "Irving", "Horace", "Willis", "Patrick", "Steve", "Johnny", "Dean",
  "Julius", "Keith", "Oliver", "Earnest", "Ben", "Jim", "Tony", "Edmund", "Lyle", "Guy",
  "Salvatore", "Orville", "Delbert", "Billie", "Phillip", "Clayton", "Otis", "Archie", "Alex",
  "Angelo", "Mike", "Jacob", "Clifton", "Bennie", "Matthew", "Duane", "Clinton", "Dennis",
  "Wilbert", "Dan", "Jay", "Marshall", "Leland", "Merle", "Ira", "Nathaniel", "Ivan", "Ervin",
  "Jimmy", "Irvin", "Alton", "Lowell", "Larry", "Dewey", "Emil", "Antonio", "Wilfred", "Elbert",
  "Juan", "Alan", "Allan", "Lonnie", "Nelson", "Forrest",
];

// deno-fmt-ignore
/** 200 girls' names, index 0 first. */
export const GIRLS: readonly string[] = [
  "Mary", "Dorothy", "Helen", "Betty", "Margaret", "Ruth", "Virginia", "Doris", "Mildred",
  "Frances", "Elizabeth", "Evelyn", "Anna", "Alice", "Marie", "Jean", "Shirley", "Barbara", "Irene",
  "Marjorie", "Lois", "Florence", "Martha", "Rose", "Lillian", "Louise", "Catherine", "Ruby",
  "Patricia", "Eleanor", "Gladys", "Annie", "Josephine", "Thelma", "Edna", "Norma", "Pauline",
  "Lucille", "Gloria", "Edith", "Ethel", "Phyllis", "Grace", "Hazel", "June", "Bernice", "Marion",
  "Dolores", "Rita", "Lorraine", "Ann", "Esther", "Beatrice", "Juanita", "Geraldine", "Clara",
  "Jane", "Sarah", "Emma", "Joan", "Joyce", "Nancy", "Katherine", "Gertrude", "Elsie", "Julia",
  "Wilma", "Agnes", "Marian", "Bertha", "Eva", "Willie", "Audrey", "Theresa", "Vivian", "Wanda",
  "Laura", "Charlotte", "Ida", "Elaine", "Marilyn", "Anne", "Maxine", "Kathryn", "Kathleen",
  "Viola", "Pearl", "Vera", "Bessie", "Beverly", "Myrtle", "Alma", "Violet", "Nellie", "Ella",
  "Lillie", "Jessie", "Jeanne", "Eileen", "Ellen", "Lucy", "Minnie", "Sylvia", "Donna", "Rosemary",
  "Leona", "Stella", "Margie", "Mattie", "Genevieve", "Mabel", "Janet", "Bonnie", "Geneva", "Carol",
  "Georgia", "Carolyn", "Velma", "Lena", "Mae", "Maria", "Jennie", "Christine", "Peggy", "Arlene",
  "Marguerite", "Opal", "Sara", "Loretta", "Harriet", "Rosa", "Muriel", "Eunice", "Jeanette",
  "Blanche", "Carrie", "Emily", "Billie", "Beulah", "Dora", "Roberta", "Naomi", "Hilda",
  "Jacqueline", "Anita", "Alberta", "Inez", "Delores", "Fannie", "Hattie", "Lula", "Verna", "Cora",
  "Constance", "Madeline", "Miriam", "Ada", "Claire", "Mamie", "Lola", "Rosie", "Erma", "Rachel",
  "Mable", "Flora", "Daisy", "Sally", "Marcella", "Bette", "Olga", "Caroline", "Laverne", "Sophie",
  "Nora", "Rebecca", "Estelle", "Irma", "Susie", "Eula", "Winifred", "Eloise", "Janice", "Maggie",
  "Antoinette", "Imogene", "Nina", "Rosalie", "Lorene", "Olive", "Sadie", "Regina", "Victoria",
  "Henrietta", "Della", "Bettie", "Lila", "Faye", "Fern", "Johnnie", "Jeannette",
];

/**
 * The nickname for an agent id: the first two UUID bytes as a big-endian u16, modulo 400;
 * below 200 indexes BOYS, the rest GIRLS.
 */
export function nicknameFor(id: string): string {
  const canonical = parseId(id) ?? id;
  const value = parseInt(canonical.slice(0, 4), 16);
  const index = (Number.isNaN(value) ? 0 : value) % (BOYS.length + GIRLS.length);
  return index < BOYS.length ? BOYS[index] : GIRLS[index - BOYS.length];
}

export const MAX_NICKNAME_LENGTH = 40;

/**
 * Returns a nickname given with `--nickname` when it can be used; otherwise throws ConfigError
 * saying why, in one line. A nickname is shown in listings and typed in references, so it is
 * 1 to 40 printable characters (no control, format or line-separator characters), without
 * spaces at either end (references are trimmed), and not `conductor`/`supervisor`.
 */
export function validateNickname(nickname: string): string {
  if (nickname.trim() === "") throw new ConfigError("nickname must not be empty");
  const chars = Array.from(nickname);
  if (chars.length > MAX_NICKNAME_LENGTH) {
    throw new ConfigError(
      `nickname is too long (${chars.length} characters; at most ${MAX_NICKNAME_LENGTH})`,
    );
  }
  const bad = chars.find((c) => /[\p{C}\p{Zl}\p{Zp}]/u.test(c));
  if (bad !== undefined) {
    const code = bad.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
    throw new ConfigError(
      `nickname contains a character that is not printable (U+${code}); use printable characters`,
    );
  }
  if (nickname.trim() !== nickname) {
    throw new ConfigError("nickname must not start or end with a space");
  }
  if (isSupervisorAlias(nickname)) {
    throw new ConfigError(`nickname '${nickname}' is reserved for the conductor`);
  }
  return nickname;
}
